package io.trellis.node.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.SocketOptions;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.PortMapping;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.TestMesh;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.HboneDialer;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The traffic paths of two "pods" on loopback addresses, without namespaces: pod {@code src}
 * (127.77.0.2) has its outbound listener, pod {@code dst} (127.77.0.3) its HBONE listener on 15008 and
 * its inbound plaintext listener, an echo app, and a service VIP in front of it. The original
 * destination of captured connections is whatever the test sets in {@link #original}.
 */
final class LoopbackMesh implements AutoCloseable {

    static final String NS = "default";
    static final String SRC_IP = "127.77.0.2";
    static final String DST_IP = "127.77.0.3";
    static final String OUTSIDE_IP = "127.77.0.9";
    static final String VIP = "10.96.77.10";
    static final int VIP_PORT = 80;
    static final SpiffeId SRC_ID = TestMesh.id(NS, "src");
    static final SpiffeId DST_ID = TestMesh.id(NS, "dst");

    final Transport transport = Transports.choice().transport();
    final EventLoopGroup group = transport.newEventLoopGroup(2, "loopback-mesh");
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MeshStore store = new MeshStore();
    final AtomicReference<InetSocketAddress> original = new AtomicReference<>();
    final TrafficPaths paths;
    final PodTraffic src;
    final PodTraffic dst;
    final InetSocketAddress app;
    final InetSocketAddress outsideApp;
    final InetSocketAddress outbound;
    final InetSocketAddress inboundPlaintext;
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
            Clock.systemUTC());
    private final Map<SpiffeId, WorkloadCertificate> certificates = new ConcurrentHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();

    LoopbackMesh(MtlsMode mode) {
        OriginalDestinations fake = ch -> {
            InetSocketAddress o = original.get();
            return o != null ? o : (InetSocketAddress) ch.localAddress();
        };
        ProxySettings settings = new ProxySettings("cluster.local", mode, Duration.ofSeconds(5), HbonePoolConfig.defaults());
        paths = new TrafficPaths(settings, store, WorkloadTls.fromCertificates(certificates::get, Clock.systemUTC()),
                LoadBalancer.roundRobin(), group, transport, registry, new NoNetnsOps(), unusedSocketOptions(),
                InetAddress.getLoopbackAddress(), id -> certificates.computeIfAbsent(id,
                        i -> ca.issue(i, Duration.ofHours(1))), fake);
        app = listen(new InetSocketAddress(DST_IP, 0), new Echo());
        outsideApp = listen(new InetSocketAddress(OUTSIDE_IP, 0), new Echo());
        src = paths.register(new PodInfo(NS + "/src", "src", NS, "src"), dialerFrom(SRC_IP));
        dst = paths.register(new PodInfo(NS + "/dst", "dst", NS, "dst"), dialerFrom(null));
        outbound = listen(new InetSocketAddress(SRC_IP, 0), paths.outboundHandler(src));
        listen(new InetSocketAddress(DST_IP, MeshState.HBONE_PORT), paths.hboneHandler());
        inboundPlaintext = listen(new InetSocketAddress(DST_IP, 0), paths.inboundPlaintextHandler(dst));
        publish(List.of());
    }

    /** Publishes the two workloads, the service and {@code policies}. */
    void publish(List<AuthorizationPolicy> policies) {
        String serviceKey = TestMesh.key(NS, "dst");
        WorkloadInfo srcW = TestMesh.workload(NS, "src", "src", SRC_IP);
        WorkloadInfo dstW = TestMesh.workload(NS, "dst", "dst", DST_IP, true, null,
                Map.of(serviceKey, List.of(new PortMapping(VIP_PORT, app.getPort()))), List.of());
        ServiceInfo service = TestMesh.service(NS, "dst", VIP, VIP_PORT, app.getPort(), null);
        store.publish(MeshState.of(List.of(srcW, dstW), List.of(service), policies));
    }

    double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** Connections from this "pod" start at its IP, as a socket in its namespace would. */
    private static HboneDialer dialerFrom(@Nullable String sourceIp) {
        return (bootstrap, address) -> {
            var b = bootstrap.clone();
            if (sourceIp != null) {
                b.localAddress(new InetSocketAddress(sourceIp, 0));
            }
            var connect = b.connect(address);
            Promise<Channel> p = connect.channel().eventLoop().newPromise();
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    p.trySuccess(connect.channel());
                } else {
                    p.tryFailure(f.cause());
                }
            });
            return p;
        };
    }

    private InetSocketAddress listen(InetSocketAddress address, ChannelHandler handler) {
        Channel ch = new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                .childHandler(handler).bind(address).syncUninterruptibly().channel();
        listeners.add(ch);
        return (InetSocketAddress) ch.localAddress();
    }

    private static SocketOptions unusedSocketOptions() {
        return (SocketOptions) java.lang.reflect.Proxy.newProxyInstance(SocketOptions.class.getClassLoader(),
                new Class<?>[] {SocketOptions.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("loopback test: no socket options");
                });
    }

    /** Echoes bytes; a client's FIN closes the connection. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    @Override
    public void close() {
        listeners.forEach(l -> l.close().syncUninterruptibly());
        paths.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
