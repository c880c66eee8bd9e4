package io.trellis.node.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import java.util.concurrent.locks.LockSupport;
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
    final EventLoopGroup group;
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
    /** The src pod's own 15006: another pod's listener, for "others are unaffected". */
    final InetSocketAddress srcInboundPlaintext;
    final InetSocketAddress hbone;
    /** The client addresses the dst app saw, in accept order. */
    final java.util.Queue<InetSocketAddress> appPeers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
            Clock.systemUTC());
    private final Map<SpiffeId, WorkloadCertificate> certificates = new ConcurrentHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();

    /** Two pods of one node with the same-node fast path off, so traffic between them takes HBONE. */
    LoopbackMesh(MtlsMode mode) {
        this(new ProxySettings("cluster.local", mode, Duration.ofSeconds(5), HbonePoolConfig.defaults())
                .withSameNodeFastPath(false));
    }

    /** On two event loops. */
    LoopbackMesh(ProxySettings settings) {
        this(settings, 2);
    }

    /**
     * On {@code loops} event loops. The client pool keeps HBONE connections per event loop, so with one
     * loop every tunnel from src rides the same pooled connection.
     */
    LoopbackMesh(ProxySettings settings, int loops) {
        this(settings, loops, System::nanoTime);
    }

    /** With {@code ticker} as the endpoint ejections' clock. */
    LoopbackMesh(ProxySettings settings, int loops, java.util.function.LongSupplier ticker) {
        group = transport.newEventLoopGroup(loops, "loopback-mesh");
        OriginalDestinations fake = ch -> {
            InetSocketAddress o = original.get();
            return o != null ? o : (InetSocketAddress) ch.localAddress();
        };
        paths = new TrafficPaths(settings, store, WorkloadTls.fromCertificates(certificates::get, Clock.systemUTC()),
                LoadBalancer.roundRobin(), group, transport, registry, new NoNetnsOps(), unusedSocketOptions(),
                InetAddress.getLoopbackAddress(), id -> certificates.computeIfAbsent(id,
                        i -> ca.issue(i, Duration.ofHours(1))), fake, ticker);
        app = listen(new InetSocketAddress(DST_IP, 0), new Echo(appPeers));
        outsideApp = listen(new InetSocketAddress(OUTSIDE_IP, 0), new Echo(new java.util.concurrent.ConcurrentLinkedQueue<>()));
        src = paths.register(new PodInfo(NS + "/src", "src", NS, "src"), dialerFrom(SRC_IP));
        dst = paths.register(new PodInfo(NS + "/dst", "dst", NS, "dst"), dialerFrom(null));
        outbound = listen(new InetSocketAddress(SRC_IP, 0), paths.outboundHandler(src));
        hbone = listen(new InetSocketAddress(DST_IP, MeshState.HBONE_PORT), paths.hboneHandler(dst));
        inboundPlaintext = listen(new InetSocketAddress(DST_IP, 0), paths.inboundPlaintextHandler(dst));
        srcInboundPlaintext = listen(new InetSocketAddress(SRC_IP, 0), paths.inboundPlaintextHandler(src));
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

    /**
     * Connections from this "pod" start at its IP, as a socket in its namespace would; asked for a
     * client's address (source preservation), from that one: any 127.x is bindable on loopback, so this
     * stands in for IP_TRANSPARENT.
     */
    private static Dialer dialerFrom(@Nullable String sourceIp) {
        return (bootstrap, address, source) -> {
            var b = bootstrap.clone();
            if (source != null) {
                b.localAddress(source);
            } else if (sourceIp != null) {
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

    InetSocketAddress listen(InetSocketAddress address, ChannelHandler handler) {
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

    /** Echoes bytes; a client's FIN closes the connection. Records who connected. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        private final java.util.Queue<InetSocketAddress> peers;

        Echo(java.util.Queue<InetSocketAddress> peers) {
            this.peers = peers;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            peers.add((InetSocketAddress) ctx.channel().remoteAddress());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    @Override
    public void close() {
        settle();
        listeners.forEach(l -> l.close().syncUninterruptibly());
        paths.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Lets the connections a test has just ended finish closing while the loops still run. On io_uring a receive's
     * buffer is released when its completion is handled; a loop stopped while a close is still travelling through
     * the relays (client, node-proxies, echo server) can exit first, and the leak check fails the class. Bounded
     * and not asserted: a test that leaves a connection open still stops.
     */
    private void settle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Gauge active = registry.find("trellis_node_active_connections").gauge();
        while (active != null && active.value() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
}
