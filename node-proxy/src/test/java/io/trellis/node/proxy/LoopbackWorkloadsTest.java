package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.TestMesh;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loopback node mode: the workloads the controller places on this node with a 127.x address get HBONE on
 * {@code ip:15008} and a SOCKS5 entry on their own address, follow config changes, and peers see their address.
 */
class LoopbackWorkloadsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SRC_IP = "127.78.0.2";
    private static final String DST_IP = "127.78.0.3";
    private static final int SOCKS_PORT = 15080;

    private final Transport transport = Transports.choice().transport();
    private final EventLoopGroup group = transport.newEventLoopGroup(2, "loopback-workloads");
    private final MeshStore store = new MeshStore();
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
            Clock.systemUTC());
    private final Map<SpiffeId, WorkloadCertificate> certificates = new ConcurrentHashMap<>();
    private final List<InetSocketAddress> appPeers = new CopyOnWriteArrayList<>();
    private final TrafficPaths paths = new TrafficPaths(
            new ProxySettings("cluster.local", MtlsMode.STRICT, Duration.ofSeconds(5), HbonePoolConfig.defaults()),
            store, WorkloadTls.fromCertificates(certificates::get, Clock.systemUTC()), LoadBalancer.roundRobin(), group,
            transport, new SimpleMeterRegistry(), new NoNetnsOps(), null, InetAddress.getLoopbackAddress(),
            id -> certificates.computeIfAbsent(id, i -> ca.issue(i, Duration.ofHours(1))),
            ch -> (InetSocketAddress) ch.localAddress());
    private final Channel app = new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
            .childHandler(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    appPeers.add((InetSocketAddress) ctx.channel().remoteAddress());
                    ctx.fireChannelActive();
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }

                @Override
                public boolean isSharable() {
                    return true;
                }
            }).bind(new InetSocketAddress(DST_IP, 0)).syncUninterruptibly().channel();

    @AfterEach
    void close() {
        app.close().syncUninterruptibly();
        paths.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static WorkloadInfo onNode(String name, String ip, String node) {
        WorkloadInfo w = TestMesh.workload("default", name, name, ip);
        return new WorkloadInfo(w.uid(), w.name(), w.namespace(), w.serviceAccount(), node, w.addresses(), w.identity(),
                w.hbone(), w.waypoint(), w.canonicalName(), w.canonicalRevision(), w.healthy(), w.services(),
                w.authorizationPolicies());
    }

    @Test
    void servesThisNodesLoopbackWorkloadsAndFollowsTheController() throws Exception {
        WorkloadInfo src = onNode("src", SRC_IP, "node-a");
        WorkloadInfo dst = onNode("dst", DST_IP, "node-a");
        WorkloadInfo elsewhere = onNode("other", "127.78.0.4", "node-b");
        WorkloadInfo notLoopback = onNode("remote", "10.78.0.5", "node-a");
        store.publish(MeshState.of(List.of(src, dst, elsewhere, notLoopback), List.of(), List.of()));
        try (LoopbackWorkloads workloads = LoopbackWorkloads.start(paths, store, "node-a", SOCKS_PORT)) {
            Await.until("both local loopback workloads served", WAIT,
                    () -> workloads.addresses().equals(Set.of(SRC_IP, DST_IP)));

            int appPort = ((InetSocketAddress) app.localAddress()).getPort();
            try (Socket s = Socks5Client.connect(new InetSocketAddress(SRC_IP, SOCKS_PORT), DST_IP, appPort)) {
                TrafficPathsLoopbackTest.assertEchoOn(s, "from src's own SOCKS5 entry to dst");
            }
            // the app sees a workload's address (its own, or the caller's when the source is preserved), never the
            // host's 127.0.0.1: sockets toward it are bound as they would be inside a pod
            assertThat(appPeers).isNotEmpty().extracting(a -> a.getAddress().getHostAddress())
                    .allMatch(ip -> ip.equals(SRC_IP) || ip.equals(DST_IP));

            store.publish(MeshState.of(List.of(src), List.of(), List.of()));
            Await.until("dst dropped when the controller no longer has it", WAIT,
                    () -> workloads.addresses().equals(Set.of(SRC_IP)));
            assertThatThrownBy(() -> new Socket(DST_IP, MeshState.HBONE_PORT).close()).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> new Socket(SRC_IP, SOCKS_PORT).close()).isInstanceOf(IOException.class);
    }

    @Test
    void refusesANonLoopbackAddress() {
        assertThatThrownBy(() -> paths.serveOnLoopback(new io.trellis.node.inpod.PodInfo("default/x", "x", "default",
                "x"), InetAddress.getByName("10.78.0.5"), SOCKS_PORT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("127.0.0.0/8");
    }
}
