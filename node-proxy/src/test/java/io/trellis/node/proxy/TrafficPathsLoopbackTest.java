package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.TestMesh;
import io.trellis.testkit.Await;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The traffic paths end to end on loopback (no namespaces, no root): captured outbound by pod IP and
 * by service VIP through a real HBONE tunnel, L4 DENY, passthrough, the loop guard, inbound plaintext
 * under PERMISSIVE and STRICT, and SOCKS5.
 */
class TrafficPathsLoopbackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void podIpIsReachedThroughHbone() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.original.set(mesh.app);
            assertEcho(mesh.outbound, "by pod ip");
            Await.until("connection counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "inbound_hbone") == 1 && mesh.count("trellis_node_connections_total", "path", "outbound",
                    "route", "hbone") == 1);
            // Istio's names, reported by both ends, with mutual TLS and the identities.
            Await.until("istio_tcp_* from both ends", WAIT, () -> mesh.count("istio.tcp.connections.closed",
                    "reporter", "source", "connection_security_policy", "mutual_tls",
                    "destination_principal", LoopbackMesh.DST_ID.uri()) == 1
                    && mesh.count("istio.tcp.connections.closed", "reporter", "destination",
                    "source_principal", LoopbackMesh.SRC_ID.uri(), "response_flags", "-") == 1);
            assertThat(mesh.count("istio.tcp.received.bytes", "reporter", "destination")).isEqualTo("by pod ip".length());
            assertThat(mesh.count("istio.tcp.sent.bytes", "reporter", "destination")).isEqualTo("by pod ip".length());
        }
    }

    @Test
    void serviceVipPicksTheEndpointAndTunnels() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.original.set(TestMesh.addr(LoopbackMesh.VIP, LoopbackMesh.VIP_PORT));
            assertEcho(mesh.outbound, "by service vip");
            Await.until("tunnel counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "inbound_hbone") == 1);
        }
    }

    @Test
    void denyPolicyResetsAndIsCounted() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.publish(List.of(policy(AuthorizationPolicy.Action.DENY, "cluster.local/ns/default/sa/src")));
            mesh.original.set(mesh.app);
            assertRefused(mesh.outbound);
            Await.until("denial counted", WAIT, () -> mesh.count("trellis_node_authz_denied_total",
                    "reason", "denied_by_policy", "policy", "default/deny-src") == 1);
            Await.until("denial in istio_tcp_connections_closed", WAIT, () -> mesh.count(
                    "istio.tcp.connections.closed", "reporter", "destination", "response_flags", "DENY") == 1
                    && mesh.count("istio.tcp.connections.closed", "reporter", "source", "response_flags", "DENY") == 1);
            // An ALLOW naming the source's service account admits it: the verified principal arrived.
            mesh.publish(List.of(policy(AuthorizationPolicy.Action.ALLOW, "cluster.local/ns/default/sa/src")));
            assertEcho(mesh.outbound, "allowed by service account");
            mesh.publish(List.of(policy(AuthorizationPolicy.Action.ALLOW, "cluster.local/ns/default/sa/other")));
            assertRefused(mesh.outbound);
        }
    }

    @Test
    void addressOutsideTheMeshIsPassedThrough() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.original.set(mesh.outsideApp);
            assertEcho(mesh.outbound, "passthrough");
            Await.until("passthrough counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "outbound", "route", "passthrough") == 1);
            assertThat(mesh.count("trellis_node_connections_total", "path", "inbound_hbone")).isZero();
        }
    }

    @Test
    void connectionToTheOutboundListenerItselfIsRefused() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.original.set(null); // the fake reports the listener's own address, as SO_ORIGINAL_DST does
            assertRefused(mesh.outbound);
            Await.until("loop counted", WAIT, () -> mesh.count("trellis_node_connection_failures_total",
                    "path", "outbound", "reason", "loop") == 1);
        }
    }

    @Test
    void inboundPlaintextIsRelayedWhenPermissiveAndRefusedWhenStrict() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE)) {
            mesh.original.set(mesh.app);
            assertEcho(mesh.inboundPlaintext, "plaintext from outside the mesh");
        }
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.STRICT)) {
            mesh.original.set(mesh.app);
            assertRefused(mesh.inboundPlaintext);
            Await.until("strict denial counted", WAIT, () -> mesh.count("trellis_node_authz_denied_total",
                    "path", "inbound_plaintext", "reason", "plaintext_strict_mtls") == 1);
        }
    }

    @Test
    void socks5ConnectByServiceHostnameAndByIp() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE);
                Socks5Server socks = mesh.paths.startSocks5(new InetSocketAddress("127.0.0.1", 0), LoopbackMesh.SRC_ID)) {
            try (Socket s = Socks5Client.connect(socks.address(), "dst.default.svc.cluster.local", LoopbackMesh.VIP_PORT)) {
                assertEchoOn(s, "socks5 by hostname");
            }
            try (Socket s = Socks5Client.connect(socks.address(), mesh.app.getAddress(), mesh.app.getPort())) {
                assertEchoOn(s, "socks5 by ip");
            }
            assertThat(Socks5Client.replyCode(socks.address(), "nowhere.example", 80))
                    .isEqualTo(Socks5Handler.REP_HOST_UNREACHABLE);
            Await.until("socks5 counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                    "path", "socks5", "route", "hbone") == 2);
        }
    }

    static AuthorizationPolicy policy(AuthorizationPolicy.Action action, String principal) {
        AuthorizationPolicy.Source from = new AuthorizationPolicy.Source(List.of(principal), List.of(), List.of(),
                List.of(), List.of(), List.of());
        String name = action == AuthorizationPolicy.Action.DENY ? "deny-src" : "allow-" + principal.substring(
                principal.lastIndexOf('/') + 1);
        return new AuthorizationPolicy(name, LoopbackMesh.NS, AuthorizationPolicy.Scope.NAMESPACE, action,
                List.of(new AuthorizationPolicy.Rule(List.of(from), List.of())));
    }

    static void assertEcho(InetSocketAddress entry, String text) throws IOException {
        try (Socket s = new Socket(entry.getAddress(), entry.getPort())) {
            assertEchoOn(s, text);
        }
    }

    static void assertEchoOn(Socket s, String text) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(sent);
        out.flush();
        byte[] back = new byte[sent.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo(text);
        s.shutdownOutput();
        assertThat(s.getInputStream().read()).as("end of stream after the echo").isEqualTo(-1);
    }

    /** The proxy resets the connection (or closes it) without relaying anything. */
    static void assertRefused(InetSocketAddress entry) throws IOException {
        try (Socket s = new Socket(entry.getAddress(), entry.getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            InputStream in = s.getInputStream();
            assertThatThrownBy(() -> {
                // The reset may arrive before or after this write: either fails the exchange.
                s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                if (in.read() == -1) {
                    throw new SocketException("closed without data");
                }
            }).isInstanceOf(SocketException.class);
        }
    }
}
