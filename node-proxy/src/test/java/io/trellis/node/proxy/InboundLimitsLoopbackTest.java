package io.trellis.node.proxy;

import static io.trellis.node.proxy.TrafficPathsLoopbackTest.assertEcho;
import static io.trellis.node.proxy.TrafficPathsLoopbackTest.assertEchoOn;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.trellis.node.authz.MtlsMode;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Floods and slowloris against one pod's inbound listeners (loopback): 500 silent connections on its
 * 15006 or 15008 hold at most the pod's budget (the rest are reset and counted), the app sees no
 * more connections than that, and other pods and established mesh traffic keep working; one flooding
 * client gets only its share, so other clients of the same pod still connect; silent connections are
 * closed at their deadline while talking ones live on.
 */
class InboundLimitsLoopbackTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int FLOOD = 500;
    private static final int BUDGET = 50;

    /** A pod budget of {@link #BUDGET} on each listener, a single client's share never the tighter bound. */
    private static ProxySettings settings(Duration deadline) {
        return settings(deadline, FLOOD);
    }

    private static ProxySettings settings(Duration deadline, int perClient) {
        return new ProxySettings("cluster.local", MtlsMode.PERMISSIVE, Duration.ofSeconds(5), HbonePoolConfig.defaults())
                .withSameNodeFastPath(false)
                .withInboundLimits(new InboundLimits(BUDGET, BUDGET, perClient, perClient, deadline, deadline));
    }

    @Test
    void plaintextFloodIsBoundedPerPodAndOthersAreUnaffected() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings(Duration.ofMinutes(5)))) {
            mesh.original.set(mesh.app);
            List<Socket> flood = open(mesh.inboundPlaintext, FLOOD);
            try {
                Await.until("all but the budget refused", WAIT, () -> mesh.count("trellis_node_inbound_limited_total",
                        "path", "inbound_plaintext", "reason", "connection_limit") == FLOOD - BUDGET);
                assertThat(gauge(mesh, "inbound_plaintext")).isEqualTo(BUDGET);
                // What the flood costs the app is bounded by the budget too.
                Await.until("admitted ones reached the app", WAIT, () -> mesh.appPeers.size() == BUDGET);
                // Another pod's 15006 and the mesh path into the flooded pod still work.
                assertEcho(mesh.srcInboundPlaintext, "another pod's listener");
                assertEcho(mesh.outbound, "mesh traffic into the flooded pod");
                assertThat(mesh.appPeers).hasSize(BUDGET + 2);
            } finally {
                closeAll(flood);
            }
            Await.until("the flood's slots are released", WAIT, () -> gauge(mesh, "inbound_plaintext") == 0);
            assertEcho(mesh.inboundPlaintext, "the flooded pod's listener again");
        }
    }

    @Test
    void hboneFloodIsBoundedPerPodAndPooledTunnelsKeepWorking() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings(Duration.ofMinutes(5)), 1)) {
            mesh.original.set(mesh.app);
            assertEcho(mesh.outbound, "warms the pooled HBONE connection");
            assertThat(gauge(mesh, "inbound_hbone")).as("one event loop, one pooled connection").isEqualTo(1);
            List<Socket> flood = open(mesh.hbone, FLOOD);
            try {
                Await.until("all beyond the budget refused", WAIT, () -> mesh.count("trellis_node_inbound_limited_total",
                        "path", "inbound_hbone", "reason", "connection_limit") == FLOOD - (BUDGET - 1));
                assertThat(gauge(mesh, "inbound_hbone")).isEqualTo(BUDGET);
                for (int i = 0; i < 4; i++) {
                    assertEcho(mesh.outbound, "a new tunnel on a pooled connection");
                }
                assertEcho(mesh.srcInboundPlaintext, "another pod's listener");
            } finally {
                closeAll(flood);
            }
            Await.until("the flood's slots are released", WAIT, () -> gauge(mesh, "inbound_hbone") == 1);
        }
    }

    @Test
    void oneFloodingClientGetsItsShareAndOtherClientsOfThePodStillConnect() throws Exception {
        int share = 10;
        try (LoopbackMesh mesh = new LoopbackMesh(settings(Duration.ofMinutes(5), share))) {
            mesh.original.set(mesh.app);
            List<Socket> plaintextFlood = open(mesh.inboundPlaintext, FLOOD);
            List<Socket> hboneFlood = open(mesh.hbone, FLOOD);
            try {
                Await.until("the flooding client held to its share on both listeners", WAIT, () ->
                        mesh.count("trellis_node_inbound_limited_total", "path", "inbound_plaintext", "reason",
                                "client_limit") == FLOOD - share
                        && mesh.count("trellis_node_inbound_limited_total", "path", "inbound_hbone", "reason",
                                "client_limit") == FLOOD - share);
                assertThat(gauge(mesh, "inbound_plaintext")).isEqualTo(share);
                assertThat(gauge(mesh, "inbound_hbone")).isEqualTo(share);
                // Another client of the same pod's 15006, and a mesh peer opening new HBONE connections to it.
                try (Socket other = new Socket(mesh.inboundPlaintext.getAddress(), mesh.inboundPlaintext.getPort(),
                        InetAddress.getByName("127.77.0.50"), 0)) {
                    assertEchoOn(other, "another client of the flooded pod");
                }
                for (int i = 0; i < 4; i++) {
                    assertEcho(mesh.outbound, "a mesh peer's tunnel into the flooded pod");
                }
                assertThat(mesh.count("trellis_node_inbound_limited_total", "path", "inbound_hbone", "reason",
                        "connection_limit")).isZero();
            } finally {
                closeAll(plaintextFlood);
                closeAll(hboneFlood);
            }
        }
    }

    @Test
    void silentPlaintextConnectionIsClosedAtTheDeadlineWhileATalkingOneLivesOn() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings(Duration.ofMillis(500)))) {
            mesh.original.set(mesh.app); // before connecting: the listener reads it on accept
            // A talking connection: its first byte disarms its deadline. (Under heavy load a first attempt may
            // miss the short deadline before the app connection is up; then it is simply tried again.)
            Socket talking = Await.value("a connection that spoke in time", WAIT, () -> talking(mesh),
                    java.util.Objects::nonNull);
            double before = mesh.count("trellis_node_inbound_limited_total", "path", "inbound_plaintext", "reason",
                    "idle_deadline");
            try (Socket silent = new Socket(mesh.inboundPlaintext.getAddress(), mesh.inboundPlaintext.getPort())) {
                silent.setSoTimeout((int) WAIT.toMillis());
                assertClosedByPeer(silent);
            }
            assertThat(mesh.count("trellis_node_inbound_limited_total", "path", "inbound_plaintext", "reason",
                    "idle_deadline")).isEqualTo(before + 1);
            // Armed before the silent one's, its deadline has passed as well: it was disarmed by the first byte.
            assertEchoOn(talking, "still here");
            talking.close();
        }
    }

    @Test
    void hboneConnectionWithoutConnectIsClosedAtTheDeadline() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(settings(Duration.ofMillis(500)), 1)) {
            mesh.original.set(mesh.app);
            // A first handshake on a loaded machine (certificates issued on demand) may miss the short deadline:
            // then the tunnel fails and is tried again.
            Await.until("the pooled HBONE connection sent a CONNECT", WAIT, () -> {
                tryEcho(mesh.outbound, "a tunnel disarms its connection's deadline");
                return gauge(mesh, "inbound_hbone") == 1 && mesh.count("trellis_node_connections_total", "path",
                        "inbound_hbone", "route", "app") >= 1;
            });
            double before = mesh.count("trellis_node_inbound_limited_total", "path", "inbound_hbone", "reason",
                    "connect_deadline");
            try (Socket silent = new Socket(mesh.hbone.getAddress(), mesh.hbone.getPort())) {
                silent.setSoTimeout((int) WAIT.toMillis());
                assertClosedByPeer(silent);
            }
            assertThat(mesh.count("trellis_node_inbound_limited_total", "path", "inbound_hbone", "reason",
                    "connect_deadline")).isEqualTo(before + 1);
            for (int i = 0; i < 4; i++) {
                assertEcho(mesh.outbound, "the pooled connection outlived its deadline");
            }
            assertThat(gauge(mesh, "inbound_hbone")).as("still the same one connection").isEqualTo(1);
            assertThat(mesh.count("trellis_node_inbound_limited_total", "path", "inbound_hbone", "reason",
                    "connect_deadline")).isEqualTo(before + 1);
        }
    }

    /** A plaintext connection to dst that has exchanged its first bytes, or null when it was closed first. */
    private static @org.jspecify.annotations.Nullable Socket talking(LoopbackMesh mesh) {
        Socket s = null;
        try {
            s = new Socket(mesh.inboundPlaintext.getAddress(), mesh.inboundPlaintext.getPort());
            s.setSoTimeout((int) WAIT.toMillis());
            exchange(s, "first words");
            return s;
        } catch (IOException | AssertionError e) {
            closeAll(s == null ? List.of() : List.of(s));
            return null;
        }
    }

    /** One echo through {@code entry}; a failure (the connection was reset) only means "not yet". */
    private static void tryEcho(InetSocketAddress entry, String text) {
        try {
            assertEcho(entry, text);
        } catch (IOException | AssertionError e) {
            // retried by the caller's condition
        }
    }

    private static double gauge(LoopbackMesh mesh, String path) {
        Gauge g = mesh.registry.find("trellis_node_inbound_connections").tags("path", path).gauge();
        return g == null ? -1 : g.value();
    }

    private static List<Socket> open(InetSocketAddress to, int n) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sockets.add(new Socket(to.getAddress(), to.getPort()));
        }
        return sockets;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already reset by the proxy
            }
        }
    }

    private static void exchange(Socket s, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(sent);
        out.flush();
        assertThat(s.getInputStream().readNBytes(sent.length)).isEqualTo(sent);
    }

    /** The proxy ends the connection (FIN or RST) without the client doing anything. */
    private static void assertClosedByPeer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            assertThat(in.read()).isEqualTo(-1);
        } catch (SocketException reset) {
            assertThat(reset.getMessage()).containsIgnoringCase("reset");
        }
    }
}
