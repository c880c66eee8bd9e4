package io.trellis.node.proxy;

import static io.trellis.node.proxy.TrafficPathsLoopbackTest.assertEcho;
import static io.trellis.node.proxy.TrafficPathsLoopbackTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.TestMesh;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same-node fast path on loopback: src and dst are enrolled on one node-proxy, so src's outbound
 * connection to dst goes straight to dst's app, with no HBONE connection, yet authorized by dst's
 * policy, counted by both reporters with mutual_tls, and (with source preservation) seen by the app
 * as coming from src's IP.
 */
class SameNodePathLoopbackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static ProxySettings settings() {
        return new ProxySettings("cluster.local", MtlsMode.PERMISSIVE, Duration.ofSeconds(5), HbonePoolConfig.defaults());
    }

    @Test
    void localDestinationSkipsHboneAndIsCountedByBothReporters() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings())) {
            mesh.original.set(mesh.app);
            echoFromSrc(mesh, "same node, by pod ip");
            Await.until("both sides counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "outbound", "route", "same_node") == 1
                    && mesh.count("trellis_node_connections_total", "path", "same_node", "route", "app") == 1);
            Await.until("istio_tcp_* from both reporters over mutual_tls", WAIT, () -> mesh.count(
                    "istio.tcp.connections.closed", "reporter", "source", "connection_security_policy", "mutual_tls",
                    "destination_principal", LoopbackMesh.DST_ID.uri()) == 1
                    && mesh.count("istio.tcp.connections.closed", "reporter", "destination",
                    "connection_security_policy", "mutual_tls", "source_principal", LoopbackMesh.SRC_ID.uri(),
                    "response_flags", "-") == 1);
            assertThat(mesh.count("istio.tcp.received.bytes", "reporter", "destination"))
                    .isEqualTo("same node, by pod ip".length());
            assertThat(mesh.count("trellis_node_connections_total", "path", "inbound_hbone")).isZero();
            assertThat(mesh.count("trellis_node_connections_total", "path", "outbound", "route", "hbone")).isZero();
            assertThat(mesh.registry.find("trellis.hbone.connections.opened").counters())
                    .allSatisfy(c -> assertThat(c.count()).isZero());
            assertThat(mesh.appPeers).extracting(a -> a.getAddress().getHostAddress())
                    .containsExactly(LoopbackMesh.SRC_IP);
        }
    }

    /** As the src app would: its connection to the outbound listener comes from its own IP. */
    private static void echoFromSrc(LoopbackMesh mesh, String text) throws Exception {
        try (Socket s = new Socket(mesh.outbound.getAddress(), mesh.outbound.getPort(),
                InetAddress.getByName(LoopbackMesh.SRC_IP), 0)) {
            TrafficPathsLoopbackTest.assertEchoOn(s, text);
        }
    }

    @Test
    void serviceVipWithALocalEndpointTakesTheFastPath() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings())) {
            mesh.original.set(TestMesh.addr(LoopbackMesh.VIP, LoopbackMesh.VIP_PORT));
            assertEcho(mesh.outbound, "same node, by vip");
            Await.until("fast path counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "same_node", "route", "app") == 1);
        }
    }

    @Test
    void destinationPolicyIsEnforcedOnTheFastPath() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings())) {
            mesh.publish(List.of(TrafficPathsLoopbackTest.policy(AuthorizationPolicy.Action.DENY,
                    "cluster.local/ns/default/sa/src")));
            mesh.original.set(mesh.app);
            assertRefused(mesh.outbound);
            Await.until("denial counted on the fast path", WAIT, () -> mesh.count("trellis_node_authz_denied_total",
                    "path", "same_node", "policy", "default/deny-src") == 1);
            Await.until("denial reported by both ends", WAIT, () -> mesh.count("istio.tcp.connections.closed",
                    "reporter", "destination", "response_flags", "DENY") == 1
                    && mesh.count("istio.tcp.connections.closed", "reporter", "source", "response_flags", "DENY") == 1);
            assertThat(mesh.appPeers).as("the app never saw the denied connection").isEmpty();
            mesh.publish(List.of(TrafficPathsLoopbackTest.policy(AuthorizationPolicy.Action.ALLOW,
                    "cluster.local/ns/default/sa/src")));
            assertEcho(mesh.outbound, "allowed by service account");
        }
    }

    @Test
    void switchedOffTheSameNodeTrafficTunnels() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings().withSameNodeFastPath(false))) {
            mesh.original.set(mesh.app);
            echoFromSrc(mesh, "through hbone");
            Await.until("tunnel counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "inbound_hbone", "route", "app") == 1);
            assertThat(mesh.count("trellis_node_connections_total", "path", "same_node", "route", "app")).isZero();
            // Source preservation applies to tunnels too: the app sees src's IP (from forwarded).
            assertThat(mesh.appPeers).extracting(a -> a.getAddress().getHostAddress())
                    .containsExactly(LoopbackMesh.SRC_IP);
        }
    }

    @Test
    void withoutSourcePreservationTheAppSeesTheProxysAddress() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings().withPreserveSourceIp(false))) {
            mesh.original.set(mesh.app);
            echoFromSrc(mesh, "from the pod's side");
            InetSocketAddress seen = mesh.appPeers.peek();
            assertThat(seen).isNotNull();
            assertThat(seen.getAddress().getHostAddress()).isNotEqualTo(LoopbackMesh.SRC_IP);
        }
    }
}
