package io.trellis.waypoint;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.TrustBundle;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.controller.ControllerChannels;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.waypoint.proxy.EnvoyConfigFile;
import io.trellis.waypoint.proxy.ProxySettings;
import io.trellis.waypoint.proxy.WaypointProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trellis waypoint}: runs the L7 proxy. Controller mode ({@code --controller}): certificate from the
 * controller's CA with a bootstrap token, configuration over xDS ({@link MeshWaypoint}). Static mode: certificate
 * from PEM files and configuration from a watched JSON file of Envoy protos.
 */
@Command(name = "trellis waypoint", mixinStandardHelpOptions = true,
        description = "Terminates HBONE for the services bound to it and applies their L7 policy.")
public final class WaypointMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointMain.class);

    @Option(names = "--identity", description = "Static mode: the waypoint's SPIFFE id, e.g. spiffe://cluster.local/ns/bookinfo/sa/waypoint.")
    String identity = "";

    @Option(names = "--cert", paramLabel = "PEM", description = "Certificate chain (leaf first).")
    Path cert = Path.of("");

    @Option(names = "--key", paramLabel = "PEM", description = "Private key of the leaf.")
    Path key = Path.of("");

    @Option(names = "--bundle", paramLabel = "PEM", description = "Trust bundle: the mesh root(s).")
    Path bundle = Path.of("");

    @Option(names = "--config", paramLabel = "JSON", description = "Services and Envoy protos as JSON; re-read when it changes.")
    Path config = Path.of("");

    @Option(names = "--listen", defaultValue = "0.0.0.0:15008", description = "HBONE listen address (default ${DEFAULT-VALUE}).")
    String listen = "0.0.0.0:15008";

    @Option(names = "--hbone-port", defaultValue = "15008", description = "Port of the node-proxies' HBONE listeners endpoints are reached through (default ${DEFAULT-VALUE}).")
    int hbonePort = 15008;

    @Option(names = "--stats", defaultValue = "0.0.0.0:15020", description = "HTTP /stats/prometheus and /healthz/ready (default ${DEFAULT-VALUE}).")
    String stats = "0.0.0.0:15020";

    @Option(names = "--retry-buffer-bytes", defaultValue = "65536", description = "Largest request body kept for retries and mirrors (default ${DEFAULT-VALUE}).")
    int retryBufferBytes = 64 * 1024;

    @Option(names = "--header-read-timeout", defaultValue = "10s", converter = DurationConverter.class, description = "Time a client has to send a whole request head once it began one; slower clients get 408 and are closed (default ${DEFAULT-VALUE}).")
    Duration headerReadTimeout;

    @Option(names = "--max-downstream-connections", defaultValue = "20000", description = "Tunnels into the waypoint held at once; more are refused with 503 and counted (default ${DEFAULT-VALUE}).")
    int maxDownstreamConnections;

    @Option(names = "--retry-exhausted-signal", defaultValue = "true", arity = "1", description = "Mark responses this waypoint gave up retrying (x-trellis-retry-exhausted: true; grpc-retry-pushback-ms: -1 on gRPC) and do not retry responses so marked, so only the layer above a failure retries it (default ${DEFAULT-VALUE}).")
    boolean retryExhaustedSignal = true;

    @Option(names = "--controller", paramLabel = "HOST:PORT", description = "Controller mode: the controller's gRPC port (xDS and CA: 15010 plaintext, or 15012 with --controller-root-cert); replaces --identity, --cert, --key, --bundle and --config.")
    @Nullable String controller;

    @Option(names = "--controller-root-cert", paramLabel = "PEM", description = "Controller mode: the mesh root certificate(s); the controller is reached over TLS (its port 15012) and verified by its SPIFFE id, not its host name. Without it the connection is plaintext (15010: the lab, local mode).")
    @Nullable Path controllerRootCert;

    @Option(names = "--controller-identity", paramLabel = "SPIFFE_ID", description = "Controller mode: the controller's SPIFFE id, checked with --controller-root-cert (default spiffe://<trust domain>/ns/trellis-system/sa/trellis-controller).")
    @Nullable String controllerIdentity;

    @Option(names = "--bootstrap-token-file", paramLabel = "FILE", description = "Controller mode: the token of this waypoint's 'waypoint <namespace>/<name> <token>' line in the controller's token file.")
    @Nullable Path bootstrapTokenFile;

    @Option(names = "--name", description = "Controller mode: the Gateway's name (class trellis-waypoint).")
    @Nullable String name;

    @Option(names = "--namespace", description = "Controller mode: the Gateway's namespace.")
    @Nullable String namespace;

    @Option(names = "--service-account", description = "Controller mode: the service account of the waypoint's pods (default: the Gateway's name).")
    @Nullable String serviceAccount;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "Controller mode: the mesh trust domain (default ${DEFAULT-VALUE}).")
    String trustDomain = "cluster.local";

    @Option(names = "--admin", defaultValue = "127.0.0.1:15000", description = "Controller mode: admin (/config_dump, /certs, /logging, /quitquitquit) (default ${DEFAULT-VALUE}).")
    String admin = "127.0.0.1:15000";

    @Option(names = "--readiness", defaultValue = "0.0.0.0:15021", description = "Controller mode: /healthz/ready (default ${DEFAULT-VALUE}); --stats then serves only /stats/prometheus.")
    String readiness = "0.0.0.0:15021";

    @Option(names = "--drain", defaultValue = "5s", converter = DurationConverter.class, description = "Controller mode: on SIGTERM, how long readiness fails before the waypoint closes (default ${DEFAULT-VALUE}).")
    Duration drain = Duration.ofSeconds(5);

    /** Parses {@code 5s}, {@code 500ms}, {@code 1m}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip();
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 5s, 500ms or 1m");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (controller != null) {
            return callControlled(controller);
        }
        if (identity.isEmpty() || cert.toString().isEmpty() || key.toString().isEmpty() || bundle.toString().isEmpty()
                || config.toString().isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "give --controller (with --bootstrap-token-file, --name, --namespace), or all of --identity, --cert,"
                            + " --key, --bundle and --config");
        }
        SpiffeId id = SpiffeId.parse(identity);
        WorkloadCertificate certificate = new WorkloadCertificate(id, PemFiles.readPrivateKey(key),
                PemFiles.readCertificates(cert), new TrustBundle(id.trustDomain(), PemFiles.readCertificates(bundle)));
        ProxySettings settings = ProxySettings.defaults(id).withHbonePort(hbonePort).withMaxRetryBufferBytes(retryBufferBytes)
                .withHeaderReadTimeout(headerReadTimeout).withMaxDownstreamConnections(maxDownstreamConnections)
                .withRetryExhaustedSignal(retryExhaustedSignal);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(Transports.defaultThreads(), "waypoint");
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("waypoint-config").factory());
        CountDownLatch stopped = new CountDownLatch(1);
        try (WaypointProxy proxy = WaypointProxy.start(settings, certificate, group, transport, registry, address(listen))) {
            FileTime[] seen = {FileTime.fromMillis(0)};
            boolean[] ready = {false};
            Runnable reload = () -> {
                try {
                    FileTime modified = Files.getLastModifiedTime(config);
                    if (!modified.equals(seen[0])) {
                        seen[0] = modified;
                        proxy.apply(EnvoyConfigFile.read(config, List.of()));
                        ready[0] = true;
                    }
                } catch (IOException | RuntimeException e) {
                    // Bad config never replaces good config: log it and keep serving the previous one.
                    LOG.error("event=waypoint_config_rejected file={} error=\"{}\"", config, e.getMessage());
                }
            };
            reload.run();
            watcher.scheduleWithFixedDelay(reload, 2, 2, TimeUnit.SECONDS);
            HttpServer statsServer = HttpServer.create(address(stats), 16);
            statsServer.createContext("/stats/prometheus", ex -> send(ex, 200, registry.scrape()));
            statsServer.createContext("/healthz/ready", ex -> send(ex, ready[0] ? 200 : 503,
                    ready[0] ? "ready\n" : "not ready: no valid config loaded yet\n"));
            statsServer.start();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stopped::countDown));
            LOG.info("event=waypoint_ready hbone={} stats={} config={}", proxy.address(), stats, config);
            stopped.await();
            statsServer.stop(0);
        } finally {
            watcher.shutdownNow();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        return 0;
    }

    /** Controller mode: certificate from the CA, config over xDS ({@link MeshWaypoint}). */
    private int callControlled(String controllerAddress) throws Exception {
        if (bootstrapTokenFile == null || name == null || namespace == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--controller needs --bootstrap-token-file, --name and --namespace");
        }
        Path tokenFile = bootstrapTokenFile;
        ManagedChannel channel = controllerChannel(controllerAddress);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(Transports.defaultThreads(), "waypoint");
        MeshWaypoint.Options options = new MeshWaypoint.Options(namespace, name,
                serviceAccount == null ? name : serviceAccount, trustDomain, address(listen), hbonePort,
                retryBufferBytes, Duration.ofHours(24), headerReadTimeout, maxDownstreamConnections, retryExhaustedSignal);
        CountDownLatch stopped = new CountDownLatch(1);
        try (MeshWaypoint waypoint = MeshWaypoint.start(options, channel, () -> readToken(tokenFile), group, transport,
                registry, Duration.ofMinutes(2))) {
            try (MeshWaypointAdmin ignored = MeshWaypointAdmin.start(waypoint, registry, address(admin),
                    address(stats), address(readiness), stopped::countDown)) {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(stopped::countDown));
                LOG.info("event=waypoint_ready mode=controller hbone={} admin={} stats={} readiness={} controller={}"
                        + " controller_tls={} identity={}", waypoint.proxy().address(), admin, stats, readiness,
                        controllerAddress, controllerRootCert != null, options.identity());
                stopped.await();
                // SIGTERM: fail readiness first so that nothing new is routed here, let requests in flight finish,
                // then close (the node-proxies' pools reconnect to another waypoint replica).
                waypoint.drain();
                Thread.sleep(drain.toMillis());
            }
        } finally {
            channel.shutdownNow();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        return 0;
    }

    /** Plaintext, or TLS verified by the controller's SPIFFE id with --controller-root-cert. */
    ManagedChannel controllerChannel(String controllerAddress) throws javax.net.ssl.SSLException {
        try {
            return ControllerChannels.fromOptions(controllerAddress, controllerRootCert, controllerIdentity,
                    trustDomain, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
        }
    }

    private static String readToken(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bootstrap token file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(new WaypointMain()),
                    "address '" + hostPort + "' must be host:port");
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new WaypointMain()).execute(args));
    }
}
