package io.trellis.node.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.SpiffeId;
import io.trellis.node.authz.L4Authorizer;
import io.trellis.node.inpod.InPodException;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.NettyPodListenerFactory;
import io.trellis.node.inpod.NettyPodListenerFactory.PodPort;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.PodListenerFactory;
import io.trellis.node.inpod.PodListenerHandle;
import io.trellis.node.inpod.PodListeners;
import io.trellis.node.inpod.PodOutboundConnector;
import io.trellis.node.inpod.SocketOptions;
import io.trellis.node.metrics.AccessLog;
import io.trellis.node.metrics.TcpMetrics;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshStore;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HboneServer;
import io.trellis.proxy.core.hbone.HboneServerConfig;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-proxy's traffic paths, wired: give it to the {@code InPodRegistry} as the pod listener
 * factory and every enrolled pod gets 15001 (outbound), 15006 (inbound plaintext) and 15008 (inbound
 * HBONE) inside its namespace, plus its own HBONE client pool dialing from that namespace.
 *
 * <p>Why one HBONE pool per pod rather than one per node: a pooled connection's socket lives in the
 * namespace it was created in and carries that pod's IP, so it can only be shared by the one pod;
 * two pods with the same service account would otherwise share a connection and one would appear
 * with the other's address. A per-pod pool also dies with its pod (its namespace is going away), and
 * needs nothing from proxy-core but a dialer. The cost is one small map per pod.
 */
public final class TrafficPaths implements PodListenerFactory, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrafficPaths.class);

    private final ProxySettings settings;
    private final MeshStore store;
    private final WorkloadTls tls;
    private final EventLoopGroup group;
    private final Transport transport;
    private final MeterRegistry registry;
    private final OriginalDestinations originalDestinations;
    private final PathMetrics metrics;
    private final Telemetry telemetry;
    private final L4Authorizer authorizer;
    private final OutboundForwarder forwarder;
    private final LocalPods pods = new LocalPods();
    private final InboundHboneHandler inboundHbone;
    private final HboneServer hboneServer;
    private final Consumer<SpiffeId> identityNeeded;
    private final NetnsOps netnsOps;
    private final SocketOptions socketOptions;
    private final PodOutboundConnector podConnector;
    private final InetAddress bindAddress;
    private final InboundGuards guards;
    private final SourcePreservation sourcePreservation;
    private final EndpointHealth endpointHealth;

    /**
     * @param group epoll event loops (pod sockets are epoll channels), {@code transport} EPOLL
     * @param identityNeeded told of each enrolled pod's identity (certificate prefetch)
     * @param bindAddress {@code 0.0.0.0} for IPv4 pods, {@code ::} for dual-stack
     */
    public TrafficPaths(ProxySettings settings, MeshStore store, WorkloadTls tls, LoadBalancer loadBalancer,
            EventLoopGroup group, Transport transport, MeterRegistry registry, NetnsOps netnsOps,
            SocketOptions socketOptions, InetAddress bindAddress, Consumer<SpiffeId> identityNeeded) {
        this(settings, store, tls, loadBalancer, group, transport, registry, netnsOps, socketOptions, bindAddress,
                identityNeeded, OriginalDestinations.fromSocket(socketOptions));
    }

    TrafficPaths(ProxySettings settings, MeshStore store, WorkloadTls tls, LoadBalancer loadBalancer,
            EventLoopGroup group, Transport transport, MeterRegistry registry, NetnsOps netnsOps,
            SocketOptions socketOptions, InetAddress bindAddress, Consumer<SpiffeId> identityNeeded,
            OriginalDestinations originalDestinations) {
        this(settings, store, tls, loadBalancer, group, transport, registry, netnsOps, socketOptions, bindAddress,
                identityNeeded, originalDestinations, System::nanoTime);
    }

    /** @param ticker nanosecond time for endpoint ejections (tests move it by hand) */
    TrafficPaths(ProxySettings settings, MeshStore store, WorkloadTls tls, LoadBalancer loadBalancer,
            EventLoopGroup group, Transport transport, MeterRegistry registry, NetnsOps netnsOps,
            SocketOptions socketOptions, InetAddress bindAddress, Consumer<SpiffeId> identityNeeded,
            OriginalDestinations originalDestinations, java.util.function.LongSupplier ticker) {
        this.settings = settings;
        this.store = store;
        this.tls = tls;
        this.group = group;
        this.transport = transport;
        this.registry = registry;
        this.netnsOps = netnsOps;
        this.socketOptions = socketOptions;
        this.bindAddress = bindAddress;
        this.identityNeeded = identityNeeded;
        this.originalDestinations = originalDestinations;
        this.podConnector = new PodOutboundConnector(netnsOps, socketOptions);
        this.metrics = new PathMetrics(registry);
        this.authorizer = new L4Authorizer(settings.mtlsMode());
        this.telemetry = new Telemetry(new TcpMetrics(registry), AccessLog.toStdout());
        this.guards = new InboundGuards(settings.inboundLimits(), registry, System::nanoTime);
        this.sourcePreservation = new SourcePreservation(settings.preserveSourceIp());
        this.inboundHbone = new InboundHboneHandler(store, pods, tls, authorizer, metrics, telemetry,
                sourcePreservation);
        this.endpointHealth = new EndpointHealth(registry, ticker);
        this.forwarder = new OutboundForwarder(store, new OutboundPlanner(loadBalancer, endpointHealth), metrics,
                telemetry, new SameNodePath(settings.sameNodeFastPath(), pods, inboundHbone), endpointHealth);
        LOG.info("event=traffic_paths_configured same_node_fast_path={} preserve_source_ip={} inbound_limits=\"{}\"",
                settings.sameNodeFastPath(), settings.preserveSourceIp(), settings.inboundLimits());
        this.hboneServer = HboneServer.create(HboneServerConfig.defaults(), inboundHbone, inboundHbone, group,
                transport, registry);
    }

    /** Upstreams ejected after connect failures (Service endpoints, waypoint replicas), for {@code /config_dump}. */
    public EndpointHealth endpointHealth() {
        return endpointHealth;
    }

    /** How long a draining pod's HBONE peers get to move new streams elsewhere before the final GOAWAY. */
    private static final java.time.Duration HBONE_DRAIN_SETTLE = java.time.Duration.ofMillis(500);

    /** Opens the pod's three listeners in its namespace; its pool dials from there too. */
    @Override
    public PodListenerHandle open(PodInfo pod, Netns netns) throws InPodException {
        PodTraffic traffic = register(pod, new PodDialer(podConnector, netns));
        NettyPodListenerFactory listeners = new NettyPodListenerFactory(netnsOps, socketOptions, group, bindAddress,
                List.of(new PodPort("outbound", NettyPodListenerFactory.OUTBOUND_PORT, (p, n) -> outboundHandler(traffic)),
                        new PodPort("inbound", NettyPodListenerFactory.INBOUND_PLAINTEXT_PORT,
                                (p, n) -> inboundPlaintextHandler(traffic)),
                        new PodPort("hbone", NettyPodListenerFactory.HBONE_PORT, (p, n) -> hboneHandler(traffic))));
        PodListenerHandle handle;
        try {
            handle = listeners.open(pod, netns);
        } catch (InPodException | RuntimeException e) {
            unregister(traffic);
            throw e;
        }
        return new PodListenerHandle() {
            @Override
            public void stopAccepting() {
                handle.stopAccepting(); // the pod's pool stays: a drain lets its streams finish
                if (handle instanceof PodListeners l) {
                    // GOAWAY on every inbound HBONE connection: open streams finish here, peers open new ones
                    // to the listener that is left (a newer node-proxy during an upgrade).
                    HboneDrain.start(l.connections("hbone"), HBONE_DRAIN_SETTLE);
                }
            }

            @Override
            public void close() {
                try {
                    handle.close();
                } finally {
                    unregister(traffic);
                }
            }
        };
    }

    /** Registers a pod whose connections leave through {@code dialer}. */
    PodTraffic register(PodInfo pod, Dialer dialer) {
        SpiffeId identity = SpiffeId.of(settings.trustDomain(), pod.namespace(), pod.serviceAccount());
        identityNeeded.accept(identity);
        HboneClientPool pool = HboneClientPool.create(settings.pool(), tls::client, group, transport, registry, dialer);
        PodTraffic traffic = new PodTraffic(pod, identity, new Egress(pool, dialer, transport, settings.connectTimeout()),
                guards.plaintext(pod.uid()), guards.hbone(pod.uid()));
        pods.put(traffic);
        LOG.info("event=pod_traffic_ready pod={} identity={}", pod.uid(), identity);
        return traffic;
    }

    private void unregister(PodTraffic traffic) {
        pods.remove(traffic);
        traffic.egress().pool().close();
        guards.forget(traffic.info().uid());
        LOG.info("event=pod_traffic_removed pod={}", traffic.info().uid());
    }

    ChannelHandler outboundHandler(PodTraffic pod) {
        return new OutboundHandler(pod.info(), pod.identity(), pod.egress(), originalDestinations, forwarder, metrics);
    }

    ChannelHandler inboundPlaintextHandler(PodTraffic pod) {
        return new InboundPlaintextHandler(pod, store, authorizer, originalDestinations, metrics, telemetry,
                pod.plaintextGuard(), sourcePreservation);
    }

    /**
     * One pod's 15008: the pod's connection budget, then the HBONE server's per-connection initializer
     * (one server serves every pod's 15008), and a deadline for the first CONNECT.
     */
    ChannelHandler hboneHandler(PodTraffic pod) {
        return new HboneAdmission(pod.hboneGuard(), hboneServer.connectionInitializer());
    }

    /**
     * Starts the SOCKS5 entry on {@code bind} (loopback): CONNECT requests go through the outbound
     * path as {@code identity}, from the host's namespace.
     */
    public Socks5Server startSocks5(InetSocketAddress bind, SpiffeId identity) {
        identityNeeded.accept(identity);
        Dialer direct = (bootstrap, address, source) -> {
            io.netty.channel.ChannelFuture f = source == null ? bootstrap.connect(address)
                    : bootstrap.connect(address, source);
            io.netty.util.concurrent.Promise<io.netty.channel.Channel> p = f.channel().eventLoop().newPromise();
            f.addListener(x -> {
                if (x.isSuccess()) {
                    p.trySuccess(f.channel());
                } else {
                    p.tryFailure(x.cause());
                }
            });
            return p;
        };
        HboneClientPool pool = HboneClientPool.create(settings.pool(), tls::client, group, transport, registry, direct);
        Egress egress = new Egress(pool, direct, transport, settings.connectTimeout());
        return Socks5Server.start(bind, group, transport, new Socks5Handler.Factory(store, forwarder, egress, identity,
                metrics));
    }

    /**
     * Serves one workload of this node without a network namespace (the loopback node mode): the app listens on its
     * own loopback {@code address}; inbound HBONE for it is accepted on {@code address:15008}, and its SOCKS5 entry on
     * {@code address:socksPort} sends its connections through the outbound path as its identity. Every socket for it
     * (tunnels, connections to the app) is bound to {@code address}, so peers see the workload's IP. Blocks until both
     * listeners are bound; on failure nothing is left open.
     *
     * @return closes both listeners and the workload's HBONE pool
     */
    public AutoCloseable serveOnLoopback(PodInfo pod, InetAddress address, int socksPort) {
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback node mode serves workloads on 127.0.0.0/8 or ::1 only; "
                    + pod + " has address " + address.getHostAddress());
        }
        // From the workload's address; toward its app, from the client's address when one is asked for (any 127.x
        // may be bound on loopback, so the app sees the caller's workload IP as in a pod, without IP_TRANSPARENT).
        Dialer fromWorkload = (bootstrap, target, source) -> connected(bootstrap.connect(target,
                new InetSocketAddress(source != null ? source.getAddress() : address, 0)));
        PodTraffic traffic = register(pod, fromWorkload);
        io.netty.channel.Channel hbone = null;
        try {
            hbone = new io.netty.bootstrap.ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                    .childHandler(hboneHandler(traffic))
                    .bind(new InetSocketAddress(address, NettyPodListenerFactory.HBONE_PORT)).syncUninterruptibly()
                    .channel();
            Socks5Server socks = Socks5Server.start(new InetSocketAddress(address, socksPort), group, transport,
                    new Socks5Handler.Factory(store, forwarder, traffic.egress(), traffic.identity(), metrics,
                            LocalPods.key(pod.namespace(), pod.name()), address));
            io.netty.channel.Channel listener = hbone;
            LOG.info("event=loopback_workload_served pod={} hbone={} socks5={}", pod, listener.localAddress(),
                    socks.address());
            return () -> {
                try {
                    socks.close();
                    listener.close().syncUninterruptibly();
                } finally {
                    unregister(traffic);
                }
            };
        } catch (RuntimeException e) {
            if (hbone != null) {
                hbone.close().syncUninterruptibly();
            }
            unregister(traffic);
            throw e;
        }
    }

    /** A connect future as the promise of its channel, which is what a dialer returns. */
    private static io.netty.util.concurrent.Future<io.netty.channel.Channel> connected(io.netty.channel.ChannelFuture f) {
        io.netty.util.concurrent.Promise<io.netty.channel.Channel> p = f.channel().eventLoop().newPromise();
        f.addListener(x -> {
            if (x.isSuccess()) {
                p.trySuccess(f.channel());
            } else {
                p.tryFailure(x.cause());
            }
        });
        return p;
    }

    /** Connections being relayed now, all paths. */
    public long activeConnections() {
        return metrics.active();
    }

    /** The enrolled pods' uids and identities (admin). */
    public Map<String, SpiffeId> pods() {
        Map<String, SpiffeId> out = new java.util.TreeMap<>();
        pods.snapshot().forEach((uid, p) -> out.put(uid, p.identity()));
        return out;
    }

    /** Closes every inbound HBONE connection; pod listeners belong to the registry. */
    @Override
    public void close() {
        hboneServer.close();
        pods.snapshot().values().forEach(p -> p.egress().pool().close());
    }
}
