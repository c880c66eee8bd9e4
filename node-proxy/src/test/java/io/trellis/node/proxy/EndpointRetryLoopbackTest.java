package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.buffer.Unpooled;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.PortMapping;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.TestMesh;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections to a Service VIP whose endpoint refuses: retried on another endpoint before the client sees anything,
 * the endpoint ejected for a while (on an injected clock) and tried again afterwards; never retried once bytes flowed;
 * never more than half of the endpoints ejected. Real sockets on loopback; the endpoints are plain TCP listeners
 * (outside the mesh) or, for the refusing one, an in-mesh workload whose node has no HBONE listener.
 */
class EndpointRetryLoopbackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String VIP = "10.96.77.20";
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final LoopbackMesh mesh = new LoopbackMesh(new ProxySettings("cluster.local", MtlsMode.PERMISSIVE,
            Duration.ofSeconds(5), HbonePoolConfig.defaults()).withSameNodeFastPath(false), 2, now::get);

    @AfterEach
    void close() {
        mesh.close();
    }

    /** A workload at {@code ip} behind Service "web" (VIP:80 → {@code port}). */
    private static WorkloadInfo endpoint(String name, String ip, int port, boolean hbone) {
        return TestMesh.workload(LoopbackMesh.NS, name, name, ip, hbone, null,
                Map.of(TestMesh.key(LoopbackMesh.NS, "web"), List.of(new PortMapping(80, port))), List.of());
    }

    private void publish(int port, List<WorkloadInfo> endpoints) {
        List<WorkloadInfo> all = new ArrayList<>(endpoints);
        all.add(TestMesh.workload(LoopbackMesh.NS, "src", "src", LoopbackMesh.SRC_IP));
        ServiceInfo web = TestMesh.service(LoopbackMesh.NS, "web", VIP, 80, port, null);
        mesh.store.publish(MeshState.of(all, List.of(web), List.of()));
        mesh.original.set(new InetSocketAddress(VIP, 80));
    }

    private double ejectedGauge() {
        Gauge g = mesh.registry.find("trellis_node_endpoints_ejected").gauge();
        return g == null ? -1 : g.value();
    }

    /** Failed client connections (the destination side counts its refused app connects under its own path). */
    private double failures() {
        return mesh.registry.find("trellis_node_connection_failures_total").tag("path", "outbound").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static String echo(InetSocketAddress via, String text) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(via, 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** How the third endpoint fails. */
    private enum Dead {
        /** Outside the mesh, nothing listens: the plain connect is refused. */
        PLAIN_REFUSED,
        /** In the mesh, but its node has no HBONE listener: the tunnel's connect is refused. */
        NODE_GONE,
        /** In the mesh, its node-proxy is up but the app is not: the CONNECT is answered 502. */
        APP_GONE
    }

    @Test
    void aRefusingPlainEndpointCostsNoClientConnectionAndIsEjectedThenRestored() throws Exception {
        refusingEndpointIsRoutedAround(Dead.PLAIN_REFUSED);
    }

    @Test
    void anEndpointOnAGoneNodeCostsNoClientConnection() throws Exception {
        refusingEndpointIsRoutedAround(Dead.NODE_GONE);
    }

    @Test
    void anEndpointWhoseAppDiedBehindALiveNodeProxyCostsNoClientConnection() throws Exception {
        refusingEndpointIsRoutedAround(Dead.APP_GONE);
    }

    private void refusingEndpointIsRoutedAround(Dead how) throws Exception {
        Queue<InetSocketAddress> peers = new ConcurrentLinkedQueue<>();
        int port = mesh.listen(new InetSocketAddress("127.77.1.1", 0), new LoopbackMesh.Echo(peers)).getPort();
        mesh.listen(new InetSocketAddress("127.77.1.2", port), new LoopbackMesh.Echo(peers));
        // The dead one: 127.77.1.3 listens nowhere; the dst pod's node-proxy serves 15008 but nothing listens on port.
        WorkloadInfo deadOne = switch (how) {
            case PLAIN_REFUSED -> endpoint("web-3", "127.77.1.3", port, false);
            case NODE_GONE -> endpoint("web-3", "127.77.1.3", port, true);
            case APP_GONE -> endpoint("dst", LoopbackMesh.DST_IP, port, true);
        };
        publish(port, List.of(endpoint("web-1", "127.77.1.1", port, false), endpoint("web-2", "127.77.1.2", port, false),
                deadOne));
        InetSocketAddress dead = new InetSocketAddress(deadOne.addresses().getFirst(), port);

        for (int i = 0; i < 12; i++) {
            assertThat(echo(mesh.outbound, "round " + i)).isEqualTo("round " + i);
        }
        assertThat(failures()).isZero();
        assertThat(peers).hasSize(12);
        assertThat(mesh.count("trellis_node_endpoint_ejections_total", "kind", "service_endpoint")).isEqualTo(1);
        assertThat(mesh.count("trellis_node_connect_retries_total", "path", "outbound")).isEqualTo(1);
        assertThat(ejectedGauge()).isEqualTo(1);
        assertThat(mesh.paths.endpointHealth().ejections()).singleElement().satisfies(e -> {
            assertThat(e.address()).isEqualTo(dead.getAddress().getHostAddress() + ":" + port);
            assertThat(e.kind()).isEqualTo("service_endpoint");
            assertThat(e.remainingMillis()).isEqualTo(5_000);
        });

        // Its 5 s are over: it is tried again, still refuses, and is ejected for twice as long.
        now.addAndGet(5 * SECOND + 1);
        assertThat(ejectedGauge()).isZero();
        assertThat(mesh.paths.endpointHealth().ejected(dead)).isFalse();
        for (int i = 0; i < 6; i++) {
            assertThat(echo(mesh.outbound, "again " + i)).isEqualTo("again " + i);
        }
        assertThat(failures()).isZero();
        assertThat(mesh.count("trellis_node_endpoint_ejections_total", "kind", "service_endpoint")).isEqualTo(2);
        assertThat(mesh.paths.endpointHealth().ejections()).singleElement()
                .satisfies(e -> assertThat(e.remainingMillis()).isEqualTo(10_000));
        Await.until("every connection relayed and counted", WAIT, () -> mesh.count("trellis_node_connections_total",
                "path", "outbound") == 18);
    }

    @Test
    void aConnectionIsNotRetriedOnceBytesFlowed() throws Exception {
        Queue<InetSocketAddress> echoPeers = new ConcurrentLinkedQueue<>();
        Queue<InetSocketAddress> greeterPeers = new ConcurrentLinkedQueue<>();
        int port = mesh.listen(new InetSocketAddress("127.77.2.1", 0), new GreetAndReset(greeterPeers)).getPort();
        mesh.listen(new InetSocketAddress("127.77.2.2", port), new LoopbackMesh.Echo(echoPeers));
        publish(port, List.of(endpoint("web-1", "127.77.2.1", port, false), endpoint("web-2", "127.77.2.2", port, false)));

        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(readAll(mesh.outbound));
        }
        // The greeter's two connections ended in a reset after its bytes: each stays on the greeter.
        assertThat(greeterPeers).hasSize(2);
        assertThat(echoPeers).hasSize(2);
        // The echo's answers; the greeter's are "hello" or a part of it (a reset may discard what was not read yet).
        assertThat(answers).filteredOn("x"::equals).hasSize(2);
        assertThat(answers).filteredOn(a -> !a.equals("x")).allSatisfy(a -> assertThat("hello").startsWith(a));
        assertThat(mesh.count("trellis_node_connect_retries_total", "path", "outbound")).isZero();
        assertThat(mesh.count("trellis_node_endpoint_ejections_total", "kind", "service_endpoint")).isZero();
    }

    @Test
    void atMostHalfOfTheEndpointsAreEjected() throws Exception {
        // Two endpoints, neither listening: the first is ejected, the second may not be (it would be all of them).
        publish(45_000, List.of(endpoint("web-1", "127.77.3.1", 45_000, false),
                endpoint("web-2", "127.77.3.2", 45_000, false)));
        for (int i = 0; i < 3; i++) {
            assertThat(readAll(mesh.outbound)).isEmpty(); // reset or closed: nobody could take it
        }
        assertThat(mesh.count("trellis_node_endpoint_ejections_total", "kind", "service_endpoint")).isEqualTo(1);
        assertThat(ejectedGauge()).isEqualTo(1);
        Await.until("failures counted", WAIT, () -> failures() == 3);
    }

    /** Reads what arrives until EOF or a reset; what was read before a reset counts. */
    private static String readAll(InetSocketAddress via) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Socket s = new Socket()) {
            try {
                s.connect(via, 5_000); // the proxy accepts, then resets when no endpoint took it
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                s.getOutputStream().write('x');
                s.shutdownOutput(); // the echo ends on our FIN
                int b;
                while ((b = in.read()) >= 0) {
                    out.append((char) b);
                }
            } catch (java.net.SocketException reset) {
                // the upstream's reset, passed on: what came before it is the answer
            }
        }
        return out.toString();
    }

    /** Sends "hello" to whoever connects, then resets the connection (SO_LINGER 0). */
    @ChannelHandler.Sharable
    private static final class GreetAndReset extends ChannelInboundHandlerAdapter {
        private final Queue<InetSocketAddress> peers;

        GreetAndReset(Queue<InetSocketAddress> peers) {
            this.peers = peers;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            peers.add((InetSocketAddress) ctx.channel().remoteAddress());
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8))
                    .addListener(f -> ctx.close());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
