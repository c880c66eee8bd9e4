package io.trellis.node;

import io.grpc.ManagedChannel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.RenewalPolicy;
import io.trellis.node.admin.NodeAdmin;
import io.trellis.node.identity.CertificateManager;
import io.trellis.node.identity.GrpcCaClient;
import io.trellis.node.inpod.GatedEnrollmentServer;
import io.trellis.node.inpod.InPodRegistry;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.node.inpod.linux.LinuxSocketOptions;
import io.trellis.node.proxy.LoopbackWorkloads;
import io.trellis.node.proxy.Socks5Server;
import io.trellis.node.proxy.TrafficPaths;
import io.trellis.node.proxy.WorkloadTls;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.node.xds.XdsClientConfig;
import io.trellis.node.xds.XdsClientThread;
import io.trellis.proxy.core.controller.ControllerChannels;
import io.trellis.proxy.core.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node-proxy: workload xDS into the mesh state, certificates per local service account,
 * the enrollment socket that brings pods in, their traffic paths, the operator servers, and a drain.
 * Built and started by {@link #start}; {@link #close} drains and stops everything in reverse order.
 */
public final class NodeProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeProxy.class);

    private final NodeProxySettings settings;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private @Nullable TrafficPaths paths;
    /** What brings workloads in (the enrollment registry, or the loopback workloads); closed first on a drain. */
    private @Nullable AutoCloseable intake;
    private boolean closed;

    private NodeProxy(NodeProxySettings settings) {
        this.settings = settings;
    }

    /** Starts everything; on failure stops what was started and rethrows. */
    public static NodeProxy start(NodeProxySettings settings) throws Exception {
        NodeProxy proxy = new NodeProxy(settings);
        try {
            proxy.startAll();
            return proxy;
        } catch (Exception | Error e) {
            proxy.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        resources.push(meters::close);
        if (!Transport.EPOLL.isAvailable()) {
            throw new IllegalStateException("the node-proxy needs the epoll transport (Linux): "
                    + Transport.EPOLL.unavailabilityCause());
        }
        // Constructed on this thread, which is in the node's own network namespace.
        LinuxNetnsOps netns = new LinuxNetnsOps();
        resources.push(netns);
        EventLoopGroup group = Transport.EPOLL.newEventLoopGroup(settings.ioThreads(), "trellis-dp");
        resources.push(() -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
        ManagedChannel controller = controllerChannel(clock);
        resources.push(() -> {
            controller.shutdownNow();
            controller.awaitTermination(2, TimeUnit.SECONDS);
        });
        ScheduledExecutorService control = XdsClientThread.start("trellis-control");
        resources.push(control::shutdownNow);

        MeshStore store = new MeshStore();
        WorkloadXdsClient xds = new WorkloadXdsClient(controller, XdsClientConfig.defaults(settings.nodeName()), store,
                control, clock, RandomGenerator.getDefault(), meters);
        resources.push(() -> XdsClientThread.stop(xds, controller, control, Duration.ofSeconds(2)));
        xds.start();

        Path tokenFile = settings.bootstrapTokenFile();
        GrpcCaClient ca = new GrpcCaClient(controller, () -> readToken(tokenFile), settings.certificateTtl(),
                Duration.ofSeconds(10), clock);
        ScheduledExecutorService certThreads = Executors.newScheduledThreadPool(1,
                Thread.ofPlatform().name("trellis-certs").daemon().factory());
        resources.push(certThreads::shutdownNow);
        CertificateManager certificates = new CertificateManager(ca, settings.proxy().trustDomain(), certThreads, clock,
                RandomGenerator.getDefault(), RenewalPolicy.DEFAULT, meters);
        resources.push(certificates);

        LinuxSocketOptions options = new LinuxSocketOptions();
        TrafficPaths traffic = new TrafficPaths(settings.proxy(), store,
                WorkloadTls.fromCertificates(certificates::current, clock), LoadBalancer.roundRobin(), group,
                Transport.EPOLL, meters, netns, options, settings.podBindAddress(), certificates::prefetch);
        resources.push(traffic);
        paths = traffic;
        if (settings.socks5() != null && settings.socks5Identity() != null) {
            Socks5Server socks = traffic.startSocks5(settings.socks5(), settings.socks5Identity());
            resources.push(socks);
        }
        InetAddress adminAddress = InetAddress.getLoopbackAddress();
        if (settings.mode() == NodeMode.LOOPBACK) {
            LoopbackWorkloads workloads = LoopbackWorkloads.start(traffic, store, settings.nodeName(),
                    settings.workloadSocks5Port());
            resources.push(workloads);
            intake = workloads;
            adminAddress = settings.monitoringAddress(); // this node's own 127.x: several node-proxies share the host
        } else {
            // A pod's listeners open once its certificate is in (or after 20 s, under the agents' 30 s ack timeout):
            // listeners that take traffic before it would fail every mTLS connection, e.g. right after an upgrade.
            // The first pod also waits for a TLS warmup (see TlsWarmup): the first connections must not pay for it.
            TlsWarmup tls = new TlsWarmup(clock);
            InPodRegistry pods = new InPodRegistry(traffic, pod -> certificates.certificate(
                    certificates.identityOf(pod.namespace(), pod.serviceAccount())).thenAcceptAsync(tls::warm,
                    certThreads), Duration.ofSeconds(20));
            resources.push(pods);
            intake = pods;
            // Bound only once the first config is in: see GatedEnrollmentServer (upgrades, restarts).
            GatedEnrollmentServer enrollment = GatedEnrollmentServer.start(settings.enrollSocket(),
                    new LinuxSeqpacketSockets(), netns, pods, () -> xds.status().synced(), control,
                    Duration.ofMillis(100));
            resources.push(enrollment);
        }

        NodeAdmin admin = NodeAdmin.start(settings.nodeName(), adminAddress, settings.monitoringAddress(),
                settings.ports(), store, xds, certificates, meters, () -> {
                    close();
                    System.exit(0);
                }, traffic.endpointHealth()::ejections);
        resources.push(admin);
        LOG.info("event=node_proxy_started node={} mode={} controller={} enroll_socket={} admin_port={} metrics_port={} "
                + "readiness_port={} mtls_mode={} buffer_allocator={}", settings.nodeName(), settings.mode(),
                settings.controller(), settings.mode() == NodeMode.LOOPBACK ? "-" : settings.enrollSocket(),
                admin.adminPort(), admin.metricsPort(), admin.readinessPort(), settings.proxy().mtlsMode(),
                ByteBufAllocator.DEFAULT.getClass().getSimpleName());
    }

    /**
     * Plaintext to the controller's 15010 (the lab, local mode), or TLS to its 15012 verified by the controller's
     * SPIFFE id against the mesh root when a root certificate is configured (a cluster: the bootstrap token must not
     * cross the pod network in clear).
     */
    private ManagedChannel controllerChannel(Clock clock) throws javax.net.ssl.SSLException {
        return ControllerChannels.open(settings.controller(), settings.controllerRootCert(),
                settings.controllerIdentity(), settings.proxy().trustDomain(), clock);
    }

    private static String readToken(@Nullable Path file) {
        if (file == null) {
            return "";
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bootstrap token file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops new connections. A pod registry closes its listeners but keeps the pods' namespaces until the drain is
     * over: connections accepted just before still open their upstream sockets inside the pod.
     */
    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void stopIntake(AutoCloseable intake) throws Exception {
        if (intake instanceof InPodRegistry registry) {
            registry.stopAccepting().get(30, TimeUnit.SECONDS);
        } else {
            intake.close();
        }
    }

    /**
     * Graceful stop: stop accepting (enrollment and pod listeners first), let open connections finish
     * for up to the drain timeout, then close everything else.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        AutoCloseable pods = intake;
        TrafficPaths traffic = paths;
        if (pods != null && traffic != null) {
            try {
                stopIntake(pods); // listeners stop; established connections carry on
            } catch (Exception e) {
                LOG.warn("event=close_failed resource={} error=\"{}\"", pods, e.toString());
            }
            Instant deadline = Instant.now().plus(settings.drainTimeout());
            LOG.info("event=drain_started active_connections={} timeout={}", traffic.activeConnections(),
                    settings.drainTimeout());
            // Connections accepted just before the listeners closed are not counted until their upstream is open:
            // give them a moment (at most the drain timeout) before an idle count may end the drain.
            Instant settled = Instant.now().plus(min(Duration.ofSeconds(1), settings.drainTimeout()));
            while ((traffic.activeConnections() > 0 || Instant.now().isBefore(settled))
                    && Instant.now().isBefore(deadline)) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            LOG.info("event=drain_finished active_connections={}", traffic.activeConnections());
        }
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("event=close_failed resource={} error=\"{}\"", r, e.toString());
            }
        }
        LOG.info("event=node_proxy_stopped node={}", settings.nodeName());
    }
}
