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
import io.trellis.node.inpod.PodOutboundConnector;
import io.trellis.node.inpod.SocketOptions;
import io.trellis.node.metrics.AccessLog;
import io.trellis.node.metrics.TcpMetrics;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshStore;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HboneDialer;
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
        this.telemetry = new Telemetry(new TcpMetrics(registry), new AccessLog());
        this.forwarder = new OutboundForwarder(store, new OutboundPlanner(loadBalancer), metrics, telemetry);
        this.inboundHbone = new InboundHboneHandler(store, pods, tls, authorizer, metrics, telemetry);
        this.hboneServer = HboneServer.create(HboneServerConfig.defaults(), inboundHbone, inboundHbone, group,
                transport, registry);
    }

    /** Opens the pod's three listeners in its namespace; its pool dials from there too. */
    @Override
    public PodListenerHandle open(PodInfo pod, Netns netns) throws InPodException {
        PodTraffic traffic = register(pod, new PodDialer(podConnector, netns));
        NettyPodListenerFactory listeners = new NettyPodListenerFactory(netnsOps, socketOptions, group, bindAddress,
                List.of(new PodPort("outbound", NettyPodListenerFactory.OUTBOUND_PORT, (p, n) -> outboundHandler(traffic)),
                        new PodPort("inbound", NettyPodListenerFactory.INBOUND_PLAINTEXT_PORT,
                                (p, n) -> inboundPlaintextHandler(traffic)),
                        new PodPort("hbone", NettyPodListenerFactory.HBONE_PORT, (p, n) -> hboneHandler())));
        PodListenerHandle handle;
        try {
            handle = listeners.open(pod, netns);
        } catch (InPodException | RuntimeException e) {
            unregister(traffic);
            throw e;
        }
        return () -> {
            try {
                handle.close();
            } finally {
                unregister(traffic);
            }
        };
    }

    /** Registers a pod whose connections leave through {@code dialer}. */
    PodTraffic register(PodInfo pod, HboneDialer dialer) {
        SpiffeId identity = SpiffeId.of(settings.trustDomain(), pod.namespace(), pod.serviceAccount());
        identityNeeded.accept(identity);
        HboneClientPool pool = HboneClientPool.create(settings.pool(), tls::client, group, transport, registry, dialer);
        PodTraffic traffic = new PodTraffic(pod, identity, new Egress(pool, dialer, transport, settings.connectTimeout()));
        pods.put(traffic);
        LOG.info("event=pod_traffic_ready pod={} identity={}", pod.uid(), identity);
        return traffic;
    }

    private void unregister(PodTraffic traffic) {
        pods.remove(traffic);
        traffic.egress().pool().close();
        LOG.info("event=pod_traffic_removed pod={}", traffic.info().uid());
    }

    ChannelHandler outboundHandler(PodTraffic pod) {
        return new OutboundHandler(pod.info(), pod.identity(), pod.egress(), originalDestinations, forwarder, metrics);
    }

    ChannelHandler inboundPlaintextHandler(PodTraffic pod) {
        return new InboundPlaintextHandler(pod, store, authorizer, originalDestinations, metrics, telemetry);
    }

    /** The HBONE server's per-connection initializer: one server serves every pod's 15008. */
    ChannelHandler hboneHandler() {
        return hboneServer.connectionInitializer();
    }

    /**
     * Starts the SOCKS5 entry on {@code bind} (loopback): CONNECT requests go through the outbound
     * path as {@code identity}, from the host's namespace.
     */
    public Socks5Server startSocks5(InetSocketAddress bind, SpiffeId identity) {
        identityNeeded.accept(identity);
        HboneDialer direct = (bootstrap, address) -> {
            io.netty.channel.ChannelFuture f = bootstrap.connect(address);
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
