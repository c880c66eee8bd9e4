package io.trellis.waypoint.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.hbone.HboneServer;
import io.trellis.proxy.core.hbone.HboneServerConfig;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.waypoint.cluster.ClusterState;
import io.trellis.waypoint.telemetry.AccessLog;
import io.trellis.waypoint.telemetry.RequestMetrics;
import io.trellis.waypoint.telemetry.Tracing;
import io.trellis.waypoint.telemetry.TracingSettings;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running waypoint data path: an HBONE listener with the waypoint's identity whose tunnels end
 * in the HTTP pipeline, an HBONE client pool for upstream attempts, and the current configuration.
 *
 * <p>Configuration: {@link #apply} validates a {@link WaypointConfig} into a runtime snapshot off
 * the event loops and publishes it with one volatile write; requests already planned keep the
 * snapshot they started with, new requests see the new one.
 */
public final class WaypointProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointProxy.class);

    private final ProxySettings settings;
    private final HboneServer server;
    private final HboneClientPool pool;
    private final InetSocketAddress address;
    private final LongSupplier nanoTime;
    private final RandomGenerator sharedRandom = RandomGenerator.of("L64X128MixRandom");
    private final ScheduledFuture<?> outlierTicker;
    private final ScheduledFuture<?> headerSweeper;
    private final HeaderDeadlines headerDeadlines;
    private final DownstreamLimit downstreamLimit;
    private final Tracing tracing;
    private volatile ConfigSnapshot snapshot;
    // Read per new connection (HBONE server handshake, upstream pool connect); swapped by rotate().
    private volatile SslContext serverTls;
    private volatile SslContext clientTls;

    private WaypointProxy(ProxySettings settings, WorkloadCertificate certificate, EventLoopGroup group,
            Transport transport, MeterRegistry registry, InetSocketAddress listen, LongSupplier nanoTime,
            AccessLog accessLog, Tracing tracing) {
        if (!certificate.id().equals(settings.identity())) {
            throw new IllegalArgumentException("the waypoint certificate is for " + certificate.id()
                    + " but the settings name identity " + settings.identity());
        }
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.tracing = tracing;
        this.snapshot = ConfigSnapshot.build(WaypointConfig.empty(), null, nanoTime, sharedRandom);
        this.clientTls = TlsContexts.client(certificate, Clock.systemUTC());
        this.serverTls = TlsContexts.server(certificate, Clock.systemUTC());
        this.pool = HboneClientPool.create(HbonePoolConfig.defaults(),
                source -> source.equals(settings.identity()) ? clientTls : null, group, transport, registry);
        this.headerDeadlines = new HeaderDeadlines(settings.headerReadTimeout(), settings.idleTimeout(), nanoTime,
                registry);
        this.downstreamLimit = new DownstreamLimit(settings.maxDownstreamConnections(), registry);
        ProxyContext ctx = new ProxyContext(settings, pool, () -> snapshot, new RequestMetrics(registry), accessLog,
                tracing, headerDeadlines);
        this.server = HboneServer.create(HboneServerConfig.defaults(),
                (ServerCertificates) local -> serverTls,
                new WaypointHboneHandler(ctx, downstreamLimit), group, transport, registry);
        this.address = server.bind(listen).join();
        // Outlier detection un-ejects on its interval; one ticker for all clusters, off the request path.
        this.outlierTicker = group.next().scheduleAtFixedRate(this::tickOutliers, 1, 1, TimeUnit.SECONDS);
        // Header-read deadlines: one sweep for every tunnel instead of a timer each.
        long sweep = headerDeadlines.sweepInterval().toNanos();
        this.headerSweeper = group.next().scheduleAtFixedRate(this::sweepHeaderDeadlines, sweep, sweep,
                TimeUnit.NANOSECONDS);
        LOG.info("event=waypoint_started identity={} address={}", settings.identity(), address);
    }

    /**
     * Starts a waypoint listening for HBONE on {@code listen} (port 0 picks one), tracing as the
     * environment says ({@link TracingSettings#fromEnvironment}: {@code TRELLIS_OTLP_ENDPOINT},
     * {@code TRELLIS_TRACE_SAMPLING}; off when unset).
     *
     * @param certificate the waypoint's own workload certificate; its id must equal {@code settings.identity()}
     * @param group event loops of {@code transport}, shared by the listener and the upstream pool
     */
    public static WaypointProxy start(ProxySettings settings, WorkloadCertificate certificate, EventLoopGroup group,
            Transport transport, MeterRegistry registry, InetSocketAddress listen) {
        return new WaypointProxy(settings, certificate, group, transport, registry, listen, System::nanoTime,
                AccessLog.toLogger(), Tracing.create(TracingSettings.fromEnvironment(System.getenv())));
    }

    /**
     * As {@link #start} with a monotonic clock for outlier detection and retry budgets, and an
     * access-log sink (tests, or a file writer).
     */
    public static WaypointProxy start(ProxySettings settings, WorkloadCertificate certificate, EventLoopGroup group,
            Transport transport, MeterRegistry registry, InetSocketAddress listen, LongSupplier nanoTime,
            AccessLog accessLog) {
        return new WaypointProxy(settings, certificate, group, transport, registry, listen, nanoTime, accessLog,
                Tracing.disabled());
    }

    /** As {@link #start(ProxySettings, WorkloadCertificate, EventLoopGroup, Transport, MeterRegistry,
     * InetSocketAddress, LongSupplier, AccessLog)} with {@code tracing}, which the waypoint closes (flushes) on close. */
    public static WaypointProxy start(ProxySettings settings, WorkloadCertificate certificate, EventLoopGroup group,
            Transport transport, MeterRegistry registry, InetSocketAddress listen, LongSupplier nanoTime,
            AccessLog accessLog, Tracing tracing) {
        return new WaypointProxy(settings, certificate, group, transport, registry, listen, nanoTime, accessLog,
                tracing);
    }

    /**
     * Validates and publishes {@code config}. Throws {@link IllegalArgumentException} with the
     * reason when it is inconsistent; the previous configuration then stays in force.
     */
    public void apply(WaypointConfig config) {
        ConfigSnapshot next = ConfigSnapshot.build(config, snapshot, nanoTime, sharedRandom);
        snapshot = next;
        LOG.info("event=waypoint_config_applied services={} clusters={} route_tables={}", config.services().size(),
                config.clusters().size(), config.routeTables().size());
    }

    /**
     * Presents {@code certificate} from now on: new HBONE connections, accepted and opened upstream, use it;
     * established ones keep the certificate they were made with (still valid: renewal happens at half life).
     *
     * @throws IllegalArgumentException if it is for another identity than this waypoint's
     */
    public void rotate(WorkloadCertificate certificate) {
        if (!certificate.id().equals(settings.identity())) {
            throw new IllegalArgumentException("a rotated certificate must be for " + settings.identity() + ", got "
                    + certificate.id());
        }
        SslContext server = TlsContexts.server(certificate, Clock.systemUTC());
        SslContext client = TlsContexts.client(certificate, Clock.systemUTC());
        serverTls = server;
        clientTls = client;
        LOG.info("event=waypoint_certificate_rotated identity={} not_after={}", certificate.id(),
                certificate.notAfter());
    }

    /** The configuration in force. */
    public WaypointConfig config() {
        return snapshot.config;
    }

    /** Where the waypoint listens for HBONE. */
    public InetSocketAddress address() {
        return address;
    }

    /** The settings. */
    public ProxySettings settings() {
        return settings;
    }

    /** Runs outlier detection's periodic work now (also runs every second on its own). */
    public void tickOutliers() {
        for (ClusterState c : snapshot.clusters().values()) {
            try {
                c.tick();
            } catch (RuntimeException e) {
                LOG.warn("event=outlier_tick_failed cluster={} error=\"{}\"", c.settings().name(), e.toString());
            }
        }
    }

    /**
     * Closes every tunnel whose client has been sending a request head for longer than the header
     * read timeout (by the waypoint's clock); runs on its own every {@link HeaderDeadlines#sweepInterval}.
     */
    public void sweepHeaderDeadlines() {
        try {
            headerDeadlines.sweep();
        } catch (RuntimeException e) {
            LOG.warn("event=header_deadline_sweep_failed error=\"{}\"", e.toString());
        }
    }

    /** Downstream tunnels whose client has begun a request head and not finished it. */
    public int pendingRequestHeads() {
        return headerDeadlines.pending();
    }

    /** Downstream tunnels open now (each counts against {@link ProxySettings#maxDownstreamConnections}). */
    public int downstreamConnections() {
        return downstreamLimit.open();
    }

    /** Stops listening, closes tunnels and upstream connections. */
    @Override
    public void close() {
        outlierTicker.cancel(false);
        headerSweeper.cancel(false);
        server.close();
        pool.close();
        tracing.close();
    }
}
