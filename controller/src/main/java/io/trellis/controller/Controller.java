package io.trellis.controller;

import com.google.protobuf.TextFormat;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.controller.ca.BearerToken;
import io.trellis.controller.ca.BootstrapTokens;
import io.trellis.controller.ca.CallerAuthenticator;
import io.trellis.controller.ca.TokenReviewAuthenticator;
import io.trellis.controller.ca.CaService;
import io.trellis.controller.envoy.EnvoyStreamTracker;
import io.trellis.controller.envoy.EnvoyXdsServer;
import io.trellis.controller.model.MeshModel;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.trellis.controller.source.ConfigSource;
import io.trellis.controller.source.DirectoryConfigSource;
import io.trellis.controller.source.KubernetesConfigSource;
import io.trellis.controller.xds.PeerAddress;
import io.trellis.controller.xds.ProxyStatusServiceImpl;
import io.trellis.controller.xds.PushPipeline;
import io.trellis.controller.xds.TaskScheduler;
import io.trellis.controller.xds.WorkloadXdsServer;
import io.trellis.controller.waypoint.WaypointDeployer;
import io.trellis.controller.waypoint.WaypointLeader;
import io.trellis.controller.waypoint.WaypointSettings;
import io.trellis.identity.CaDirectory;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running controller: config source, push pipeline, workload xDS, CA and monitoring, wired together.
 * Holds no state that another replica lacks: every replica computes the same resources (versions are content
 * hashes) from the same config, so proxies may reconnect to any replica.
 */
public final class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final ControllerSettings settings;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService pushExecutor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("push").factory());
    private final ScheduledExecutorService sourceExecutor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("config-source").factory());
    private final AtomicReference<MeshModel> model;
    private @Nullable ConfigSource source;
    private @Nullable PushPipeline pipeline;
    private @Nullable Server plaintext;
    private @Nullable Server tls;
    private @Nullable MonitoringServer monitoring;
    private @Nullable WorkloadXdsServer xds;
    private @Nullable CertificateAuthority ca;
    private @Nullable EnvoyXdsServer envoy;
    private @Nullable EnvoyStreamTracker envoyStreams;
    private io.fabric8.kubernetes.client.@Nullable KubernetesClient kube;
    private final java.util.concurrent.ExecutorService envoyExecutor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("envoy-publish").factory());
    private final AtomicReference<@Nullable MeshModel> envoyPending = new AtomicReference<>();
    private final @Nullable WaypointSettings waypointSettings;
    private final ScheduledExecutorService waypointExecutor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("waypoints").factory());
    private final java.util.concurrent.ExecutorService leaderExecutor = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("leader-election").factory());
    private @Nullable WaypointLeader waypointLeader;

    public Controller(ControllerSettings settings) {
        this(settings, null);
    }

    /**
     * @param waypoints in Kubernetes mode, run waypoints from Gateways (under a Lease); null: don't
     */
    public Controller(ControllerSettings settings, @Nullable WaypointSettings waypoints) {
        this.settings = settings;
        this.waypointSettings = waypoints;
        this.model = new AtomicReference<>(MeshModel.empty(settings.mesh()));
    }

    /** Starts everything; throws with an actionable message when a port or file cannot be used. */
    public void start() throws IOException {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);

        CertificateAuthority authority = settings.caDir() != null
                ? CaDirectory.load(settings.caDir(), settings.mesh().trustDomain(), Clock.systemUTC())
                : selfSigned();
        ca = authority;
        if (settings.kubernetes()) {
            kube = new KubernetesClientBuilder().build();
        }
        CallerAuthenticator tokens = settings.tokensFile() != null ? BootstrapTokens.load(settings.tokensFile())
                : kube != null ? new TokenReviewAuthenticator(kube, settings.mesh().rootNamespace()
                        + "/trellis-node-proxy", List.of(TokenReviewAuthenticator.AUDIENCE), model::get)
                : BootstrapTokens.of(Map.of());
        if (settings.tokensFile() == null && kube == null) {
            LOG.warn("event=ca_no_tokens problem=\"no --bootstrap-tokens file: every certificate request will be "
                    + "refused\"");
        }

        TaskScheduler scheduler = TaskScheduler.of(pushExecutor);
        WorkloadXdsServer server = new WorkloadXdsServer(registry, Clock.systemUTC(), scheduler::nanoTime);
        xds = server;
        EnvoyStreamTracker tracker = new EnvoyStreamTracker(registry, Clock.systemUTC());
        envoyStreams = tracker;
        EnvoyXdsServer envoyServer = new EnvoyXdsServer(tracker);
        envoy = envoyServer;
        PushPipeline p = new PushPipeline(settings.mesh(), server, m -> {
            model.set(m);
            // the Envoy snapshot is rebuilt from the whole model: off the push thread, so a pod change reaches
            // node-proxies without waiting for it; newest model wins, one build at a time
            if (envoyPending.getAndSet(m) == null) {
                envoyExecutor.execute(() -> publishEnvoy(envoyServer));
            }
        }, scheduler, settings.debounceQuiet(), settings.debounceMax());
        pipeline = p;
        CaService caService = new CaService(authority, tokens, model::get, settings.maxCertTtl(), registry);

        List<ServerServiceDefinition> list = new ArrayList<>(List.of(
                ServerInterceptors.intercept(server, new PeerAddress()),
                ServerInterceptors.intercept(caService, new BearerToken(), new PeerAddress()),
                new ProxyStatusServiceImpl(() -> {
                    List<ProxyStatus> all = new ArrayList<>(server.statuses());
                    all.addAll(tracker.statuses());
                    return all;
                }).bindService()));
        envoyServer.services().forEach(s -> list.add(ServerInterceptors.intercept(s, new PeerAddress())));
        ServerServiceDefinition[] services = list.toArray(new ServerServiceDefinition[0]);
        plaintext = startGrpc(settings.xdsPort(), null, services);
        tls = startGrpc(settings.xdsTlsPort(), serverTls(authority), services);

        ConfigSource s = configSource();
        source = s;
        s.start(p);
        if (kube != null && waypointSettings != null) {
            WaypointLeader leader = new WaypointLeader(kube, waypointSettings, new WaypointDeployer(kube,
                    waypointSettings, settings.mesh(), PemFiles.toPem(authority.trustBundle().roots()),
                    waypointExecutor), leaderExecutor);
            waypointLeader = leader;
            leader.start();
        }

        monitoring = new MonitoringServer(new InetSocketAddress(settings.listenAddress(), settings.monitoringPort()),
                registry, this::ready, this::proxyStatusText);
        LOG.info("event=controller_started config={} trust_domain={} xds_port={} xds_tls_port={} "
                        + "monitoring_port={}", settings.kubernetes() ? "kubernetes" : settings.configDir(),
                authority.trustDomain(), xdsPort(), xdsTlsPort(),
                monitoringPort());
    }

    private void publishEnvoy(EnvoyXdsServer envoyServer) {
        MeshModel m = envoyPending.getAndSet(null);
        if (m == null) {
            return;
        }
        try {
            envoyServer.publish(m);
        } catch (RuntimeException e) {
            // Envoy clients keep their last snapshot; workload xDS is unaffected
            LOG.error("event=envoy_publish_failed problem=\"{}\"", e.toString(), e);
        }
    }

    private ConfigSource configSource() {
        if (settings.kubernetes()) {
            return new KubernetesConfigSource(java.util.Objects.requireNonNull(kube), Duration.ofMillis(50),
                    sourceExecutor);
        }
        if (settings.configDir() == null) {
            throw new IllegalArgumentException("either a config directory or Kubernetes mode is needed");
        }
        return new DirectoryConfigSource(settings.configDir(), DirectoryConfigSource.DEFAULT_DEBOUNCE,
                settings.rescanInterval(), sourceExecutor);
    }

    private CertificateAuthority selfSigned() {
        LOG.warn("event=ca_self_signed trust_domain={} problem=\"no --ca-dir: using an in-memory CA; certificates "
                + "will not survive a restart. Create one with 'trellis ca init'\"", settings.mesh().trustDomain());
        return CertificateAuthority.selfSigned(settings.mesh().trustDomain(), Duration.ofDays(365), Clock.systemUTC());
    }

    /**
     * TLS for port 15012. The controller's certificate carries its SPIFFE id; clients verify it SPIFFE-style
     * (chain to the bundle + URI SAN), as proxies verify each other. Client certificates are optional.
     */
    private SslContext serverTls(CertificateAuthority authority) throws IOException {
        SpiffeId self = SpiffeId.of(authority.trustDomain(), settings.mesh().rootNamespace(), "trellis-controller");
        // long-lived until the renewer is wired in: a controller must not stop serving TLS after a day
        WorkloadCertificate cert = authority.issue(self, Duration.ofDays(365));
        return GrpcSslContexts.configure(SslContextBuilder.forServer(cert.privateKey(),
                        cert.chain().toArray(new X509Certificate[0]))
                .trustManager(cert.trustBundle().roots().toArray(new X509Certificate[0]))
                .clientAuth(ClientAuth.OPTIONAL)).build();
    }

    private Server startGrpc(int port, @Nullable SslContext ssl, ServerServiceDefinition... services)
            throws IOException {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(settings.listenAddress(), port))
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        for (ServerServiceDefinition s : services) {
            b.addService(s);
        }
        try {
            return b.build().start();
        } catch (IOException e) {
            throw new IOException("cannot listen on " + settings.listenAddress() + ":" + port + " ("
                    + e.getMessage() + "): is another controller running? choose another port", e);
        }
    }

    /** Ready once the first config was loaded and pushed. */
    public boolean ready() {
        return xds != null && xds.current().generation() > 0;
    }

    /** The current mesh model (for tests and status). */
    public MeshModel model() {
        return model.get();
    }

    /** Workloads in the current model (for tests and status). */
    public int workloadCount() {
        return model.get().workloads().size();
    }

    public int xdsPort() {
        return plaintext == null ? -1 : plaintext.getPort();
    }

    public int xdsTlsPort() {
        return tls == null ? -1 : tls.getPort();
    }

    public int monitoringPort() {
        return monitoring == null ? -1 : monitoring.port();
    }

    /** The CA's trust bundle roots, for clients of the TLS port. */
    public List<X509Certificate> roots() {
        return ca == null ? List.of() : ca.trustBundle().roots();
    }

    private String proxyStatusText() {
        StringBuilder sb = new StringBuilder();
        if (xds != null) {
            List<ProxyStatus> all = new ArrayList<>(xds.statuses());
            if (envoyStreams != null) {
                all.addAll(envoyStreams.statuses());
            }
            for (ProxyStatus s : all) {
                sb.append(TextFormat.printer().printToString(s)).append("---\n");
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (monitoring != null) {
            monitoring.close();
        }
        if (waypointLeader != null) {
            waypointLeader.close();
        }
        waypointExecutor.shutdownNow();
        leaderExecutor.shutdownNow();
        if (source != null) {
            source.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        for (Server s : new Server[] {plaintext, tls}) {
            if (s != null) {
                s.shutdown();
                try {
                    if (!s.awaitTermination(1, TimeUnit.SECONDS)) {
                        s.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    s.shutdownNow();
                    Thread.currentThread().interrupt();
                }
            }
        }
        pushExecutor.shutdownNow();
        sourceExecutor.shutdownNow();
        envoyExecutor.shutdownNow();
        if (kube != null) {
            kube.close();
        }
        registry.close();
        LOG.info("event=controller_stopped");
    }
}
