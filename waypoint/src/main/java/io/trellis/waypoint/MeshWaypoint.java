package io.trellis.waypoint;

import io.grpc.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.CertificateRenewer;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.ca.ControllerCaClient;
import io.trellis.waypoint.proxy.ProxySettings;
import io.trellis.waypoint.proxy.WaypointProxy;
import io.trellis.waypoint.xds.WaypointXdsClient;
import io.trellis.waypoint.xds.XdsBackoff;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A waypoint driven by the controller: its certificate from the controller's CA (bootstrap token, renewed by
 * {@link CertificateRenewer}), the data path ({@link WaypointProxy}) presenting it on HBONE and using it as the
 * source identity upstream, and its configuration from the {@link WaypointXdsClient} (node id
 * {@code waypoint~<namespace>~<gateway>}). What {@code trellis waypoint --controller ...} runs.
 */
public final class MeshWaypoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MeshWaypoint.class);

    /**
     * @param namespace the Gateway's namespace
     * @param gateway the Gateway's name (class trellis-waypoint)
     * @param serviceAccount the service account of the waypoint's pods: its identity
     * @param trustDomain the mesh trust domain
     * @param listen where HBONE is served (15008)
     * @param hbonePort the node-proxies' HBONE port, where endpoints are dialled (15008)
     * @param retryBufferBytes largest request body kept for retries and mirrors
     * @param certificateTtl the certificate lifetime asked for
     * @param headerReadTimeout time a client has to send a request head ({@link ProxySettings#headerReadTimeout})
     * @param maxDownstreamConnections tunnels held at once ({@link ProxySettings#maxDownstreamConnections})
     * @param retryExhaustedSignal mark and honour retry-exhausted responses ({@link ProxySettings#retryExhaustedSignal})
     */
    public record Options(String namespace, String gateway, String serviceAccount, String trustDomain,
            InetSocketAddress listen, int hbonePort, int retryBufferBytes, Duration certificateTtl,
            Duration headerReadTimeout, int maxDownstreamConnections, boolean retryExhaustedSignal) {

        /** With the retry-exhausted signal on. */
        public Options(String namespace, String gateway, String serviceAccount, String trustDomain,
                InetSocketAddress listen, int hbonePort, int retryBufferBytes, Duration certificateTtl,
                Duration headerReadTimeout, int maxDownstreamConnections) {
            this(namespace, gateway, serviceAccount, trustDomain, listen, hbonePort, retryBufferBytes, certificateTtl,
                    headerReadTimeout, maxDownstreamConnections, true);
        }

        /** With the default header read timeout and downstream connection limit. */
        public Options(String namespace, String gateway, String serviceAccount, String trustDomain,
                InetSocketAddress listen, int hbonePort, int retryBufferBytes, Duration certificateTtl) {
            this(namespace, gateway, serviceAccount, trustDomain, listen, hbonePort, retryBufferBytes, certificateTtl,
                    ProxySettings.DEFAULT_HEADER_READ_TIMEOUT, ProxySettings.DEFAULT_MAX_DOWNSTREAM_CONNECTIONS);
        }

        /** The SPIFFE id the waypoint's certificate carries. */
        public SpiffeId identity() {
            return SpiffeId.of(trustDomain, namespace, serviceAccount);
        }
    }

    private final ScheduledExecutorService control;
    private final CertificateRenewer renewer;
    private final WaypointProxy proxy;
    private final WaypointXdsClient xds;
    private volatile boolean draining;

    private MeshWaypoint(ScheduledExecutorService control, CertificateRenewer renewer, WaypointProxy proxy,
            WaypointXdsClient xds) {
        this.control = control;
        this.renewer = renewer;
        this.proxy = proxy;
        this.xds = xds;
    }

    /**
     * Obtains the certificate (waiting up to {@code certificateWait}), starts the data path and the xDS client.
     *
     * @param controller a channel to the controller's gRPC port (xDS and CA)
     * @param token the bootstrap token (read per CA request)
     */
    public static MeshWaypoint start(Options options, Channel controller, Supplier<String> token, EventLoopGroup group,
            Transport transport, MeterRegistry registry, Duration certificateWait)
            throws InterruptedException, TimeoutException {
        SpiffeId id = options.identity();
        ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("waypoint-control").factory());
        ControllerCaClient ca = new ControllerCaClient(controller, token, options.certificateTtl(), Duration.ofSeconds(10),
                Clock.systemUTC());
        CertificateMetrics metrics = new CertificateMetrics(id, registry);
        CertificateRenewer renewer = new CertificateRenewer(id, metrics.counting(() -> ca.fetch(id)), control,
                Clock.systemUTC(), RandomGenerator.of("L64X128MixRandom"));
        metrics.watchExpiry(renewer::current, Clock.systemUTC());
        CompletableFuture<WorkloadCertificate> first = new CompletableFuture<>();
        renewer.addListener(first::complete);
        renewer.start();
        WorkloadCertificate certificate;
        try {
            certificate = first.get(certificateWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot obtain the waypoint certificate for " + id, e.getCause());
        } catch (TimeoutException e) {
            renewer.close();
            control.shutdownNow();
            throw new TimeoutException("no certificate for " + id + " from the controller within " + certificateWait
                    + " (see the event=... log lines for the CA's answer)");
        }
        LOG.info("event=waypoint_certificate identity={} not_after={}", id, certificate.notAfter());
        ProxySettings settings = ProxySettings.defaults(id).withHbonePort(options.hbonePort())
                .withMaxRetryBufferBytes(options.retryBufferBytes())
                .withHeaderReadTimeout(options.headerReadTimeout())
                .withMaxDownstreamConnections(options.maxDownstreamConnections())
                .withRetryExhaustedSignal(options.retryExhaustedSignal());
        WaypointProxy proxy = WaypointProxy.start(settings, certificate, group, transport, registry, options.listen());
        // Renewed certificates go to new connections in both directions.
        renewer.addListener(c -> {
            if (c != certificate) {
                proxy.rotate(c);
            }
        });
        WaypointXdsClient xds = new WaypointXdsClient(controller,
                WaypointXdsClient.nodeId(options.namespace(), options.gateway()), proxy::apply, control,
                RandomGenerator.of("L64X128MixRandom"), XdsBackoff.defaults());
        xds.start();
        return new MeshWaypoint(control, renewer, proxy, xds);
    }

    /** Ready once a complete configuration from the controller is in force, until {@link #drain()}. */
    public boolean ready() {
        return xds.hasConfig() && !draining;
    }

    /** Why not ready, or null when ready. */
    public @Nullable String notReadyReason() {
        if (draining) {
            return "draining: shutting down";
        }
        return xds.hasConfig() ? null : "waiting for a complete configuration from the controller";
    }

    /**
     * Starts shutting down: readiness fails so that no new traffic is sent here, while connections and requests
     * in flight carry on until {@link #close()}.
     */
    public void drain() {
        draining = true;
        LOG.info("event=waypoint_draining identity={}", proxy.settings().identity());
    }

    /** The data path. */
    public WaypointProxy proxy() {
        return proxy;
    }

    /** Renews the certificate now (as its renewal time would); the data path gets it for new connections. */
    public void renewCertificateNow() {
        renewer.renewNow();
    }

    /** The certificate in force. */
    public WorkloadCertificate certificate() {
        WorkloadCertificate c = renewer.current();
        if (c == null) {
            throw new IllegalStateException("no certificate yet");
        }
        return c;
    }

    /** The xDS client (status: connected, last NACK). */
    public WaypointXdsClient xds() {
        return xds;
    }

    @Override
    public void close() {
        xds.close();
        renewer.close();
        proxy.close();
        control.shutdown();
    }
}
