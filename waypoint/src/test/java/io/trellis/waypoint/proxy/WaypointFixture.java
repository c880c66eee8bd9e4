package io.trellis.waypoint.proxy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HboneHandler;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.hbone.HboneRequest;
import io.trellis.proxy.core.hbone.HboneServer;
import io.trellis.proxy.core.hbone.HboneServerConfig;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.telemetry.AccessLog;
import io.trellis.waypoint.telemetry.Tracing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole path on loopback, with real mTLS from one CA:
 * client app -> entry listener (plays the client's node-proxy) =HBONE=> waypoint =HBONE=>
 * node-proxy stand-in (proxy-core's HboneServer connecting to the target) -> backend app.
 */
final class WaypointFixture implements AutoCloseable {

    static final String TD = "cluster.local";
    static final SpiffeId CLIENT = SpiffeId.of(TD, "front", "web");
    static final SpiffeId WAYPOINT = SpiffeId.of(TD, "back", "waypoint");
    static final SpiffeId BACKEND = SpiffeId.of(TD, "back", "reviews");
    static final InetSocketAddress HTTP_VIP = new InetSocketAddress("10.96.0.10", 80);
    static final InetSocketAddress GRPC_VIP = new InetSocketAddress("10.96.0.11", 8080);
    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    final Transport transport = Transports.choice().transport();
    final EventLoopGroup group = transport.newEventLoopGroup(2, "waypoint-test");
    final CertificateAuthority ca = CertificateAuthority.selfSigned(TD, Duration.ofDays(1), Clock.systemUTC());
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final ConcurrentLinkedQueue<String> accessLog = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<HboneRequest> nodeProxyRequests = new ConcurrentLinkedQueue<>();
    final AtomicLong nanos = new AtomicLong(System.nanoTime());
    final HboneServer nodeProxy;
    final InetSocketAddress nodeProxyAddress;
    final WaypointProxy waypoint;
    final HboneClientPool clientPool;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<HttpServer> backends = new ArrayList<>();
    private final ExecutorService backendThreads = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("backend-", 0).factory());

    WaypointFixture() {
        this(64 * 1024);
    }

    WaypointFixture(int retryBuffer) {
        this(retryBuffer, Tracing.disabled());
    }

    WaypointFixture(Tracing tracing) {
        this(64 * 1024, tracing);
    }

    WaypointFixture(int retryBuffer, Tracing tracing) {
        this(retryBuffer, tracing, settings -> settings);
    }

    /** With the waypoint's settings adjusted by {@code tune} (limits, timeouts). */
    WaypointFixture(java.util.function.UnaryOperator<ProxySettings> tune) {
        this(64 * 1024, Tracing.disabled(), tune);
    }

    WaypointFixture(int retryBuffer, Tracing tracing, java.util.function.UnaryOperator<ProxySettings> tune) {
        WorkloadCertificate backendCert = ca.issue(BACKEND, Duration.ofHours(1));
        TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(2));
        HboneHandler connectUpstream = request -> {
            nodeProxyRequests.add(request);
            return HboneHandler.fromConnect(connector.connect(request.target(), request.eventLoop()));
        };
        nodeProxy = HboneServer.create(HboneServerConfig.defaults(),
                ServerCertificates.single(TlsContexts.server(backendCert, Clock.systemUTC())), connectUpstream, group,
                transport, registry);
        nodeProxyAddress = nodeProxy.bind(new InetSocketAddress("127.0.0.1", 0)).join();
        ProxySettings settings = tune.apply(ProxySettings.defaults(WAYPOINT).withHbonePort(nodeProxyAddress.getPort())
                .withMaxRetryBufferBytes(retryBuffer));
        waypoint = WaypointProxy.start(settings, ca.issue(WAYPOINT, Duration.ofHours(1)), group, transport, registry,
                new InetSocketAddress("127.0.0.1", 0), nanos::get, new AccessLog(accessLog::add), tracing);
        SslContext clientTls = TlsContexts.client(ca.issue(CLIENT, Duration.ofHours(1)), Clock.systemUTC());
        clientPool = HboneClientPool.create(HbonePoolConfig.defaults(), id -> id.equals(CLIENT) ? clientTls : null,
                group, transport, registry);
    }

    void apply(String json, List<AuthorizationPolicy> policies) {
        waypoint.apply(EnvoyConfigFile.parse(json, "test-config", policies));
    }

    /** A plain TCP port whose connections are tunnelled to the waypoint for {@code vip}. */
    InetSocketAddress entry(InetSocketAddress vip) {
        Channel listener = ChannelTuning.server(new ServerBootstrap()).group(group).channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                // Park what arrives before the tunnel is up: native transports read a
                                // request followed by a FIN (half-close) even with auto-read off.
                                ctx.pipeline().replace(this, "hold", new InboundHold());
                                Channel down = ctx.channel();
                                clientPool.open(new TunnelRequest(CLIENT, WAYPOINT, waypoint.address(), vip,
                                        (InetSocketAddress) down.remoteAddress(),
                                        "k8s.namespace.name=front,k8s.deployment.name=web", TRACEPARENT))
                                        .whenComplete((stream, failure) -> {
                                            if (failure != null) {
                                                down.config().setOption(ChannelOption.SO_LINGER, 0);
                                                down.close();
                                            } else {
                                                Relay.start(down, stream);
                                            }
                                        });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        listeners.add(listener);
        return (InetSocketAddress) listener.localAddress();
    }

    /** A JDK HTTP server on loopback running {@code handler}; returns its address. */
    InetSocketAddress backend(HttpHandler handler) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.createContext("/", handler);
            server.setExecutor(backendThreads);
            server.start();
            backends.add(server);
            return server.getAddress();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a test backend", e);
        }
    }

    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        clientPool.close();
        waypoint.close();
        nodeProxy.close();
        backends.forEach(s -> s.stop(0));
        backendThreads.shutdownNow();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- config helpers (Envoy JSON) ----------------------------------------------------------

    static String service(String host, InetSocketAddress vip, String protocol, String routeConfig) {
        return """
                {"hostname": "%s", "namespace": "back", "vip": "%s:%d", "appProtocol": "%s", "routeConfig": "%s"}"""
                .formatted(host, vip.getAddress().getHostAddress(), vip.getPort(), protocol, routeConfig);
    }

    static String edsCluster(String name, String extra) {
        return """
                {"name": "%s", "type": "EDS", "eds_cluster_config": {"service_name": "%s", "eds_config": {"ads": {}}},
                 "connect_timeout": "1s"%s}""".formatted(name, name, extra.isEmpty() ? "" : ", " + extra);
    }

    static String endpoints(String cluster, InetSocketAddress... addresses) {
        StringBuilder lb = new StringBuilder();
        for (InetSocketAddress a : addresses) {
            if (!lb.isEmpty()) {
                lb.append(',');
            }
            lb.append("""
                    {"endpoint": {"address": {"socket_address": {"address": "%s", "port_value": %d}}}}"""
                    .formatted(a.getAddress().getHostAddress(), a.getPort()));
        }
        return """
                {"cluster_name": "%s", "endpoints": [{"lb_endpoints": [%s]}]}""".formatted(cluster, lb);
    }

    static String config(List<String> services, List<String> routeConfigs, List<String> clusters,
            List<String> endpoints, List<String> clusterNames) {
        StringBuilder ids = new StringBuilder();
        for (String c : clusterNames) {
            if (!ids.isEmpty()) {
                ids.append(',');
            }
            ids.append('"').append(c).append("\": \"").append(BACKEND.uri()).append('"');
        }
        return """
                {"services": [%s], "routeConfigs": [%s], "clusters": [%s], "endpoints": [%s], "identities": {%s}}"""
                .formatted(String.join(",", services), String.join(",", routeConfigs), String.join(",", clusters),
                        String.join(",", endpoints), ids);
    }
}
