package io.trellis.waypoint;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.TrustBundle;
import io.trellis.identity.WorkloadCertificate;
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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trellis waypoint}: runs the L7 proxy with its certificate from PEM files and its
 * configuration from a watched JSON file of Envoy protos (the xDS client will replace the file).
 */
@Command(name = "trellis waypoint", mixinStandardHelpOptions = true,
        description = "Terminates HBONE for the services bound to it and applies their L7 policy.")
public final class WaypointMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointMain.class);

    @Option(names = "--identity", required = true, description = "The waypoint's SPIFFE id, e.g. spiffe://cluster.local/ns/bookinfo/sa/waypoint.")
    String identity = "";

    @Option(names = "--cert", required = true, paramLabel = "PEM", description = "Certificate chain (leaf first).")
    Path cert = Path.of("");

    @Option(names = "--key", required = true, paramLabel = "PEM", description = "Private key of the leaf.")
    Path key = Path.of("");

    @Option(names = "--bundle", required = true, paramLabel = "PEM", description = "Trust bundle: the mesh root(s).")
    Path bundle = Path.of("");

    @Option(names = "--config", required = true, paramLabel = "JSON", description = "Services and Envoy protos as JSON; re-read when it changes.")
    Path config = Path.of("");

    @Option(names = "--listen", defaultValue = "0.0.0.0:15008", description = "HBONE listen address (default ${DEFAULT-VALUE}).")
    String listen = "0.0.0.0:15008";

    @Option(names = "--hbone-port", defaultValue = "15008", description = "Port of the node-proxies' HBONE listeners endpoints are reached through (default ${DEFAULT-VALUE}).")
    int hbonePort = 15008;

    @Option(names = "--stats", defaultValue = "0.0.0.0:15020", description = "HTTP /stats/prometheus and /healthz/ready (default ${DEFAULT-VALUE}).")
    String stats = "0.0.0.0:15020";

    @Option(names = "--retry-buffer-bytes", defaultValue = "65536", description = "Largest request body kept for retries and mirrors (default ${DEFAULT-VALUE}).")
    int retryBufferBytes = 64 * 1024;

    @Override
    public Integer call() throws Exception {
        SpiffeId id = SpiffeId.parse(identity);
        WorkloadCertificate certificate = new WorkloadCertificate(id, PemFiles.readPrivateKey(key),
                PemFiles.readCertificates(cert), new TrustBundle(id.trustDomain(), PemFiles.readCertificates(bundle)));
        ProxySettings settings = ProxySettings.defaults(id).withHbonePort(hbonePort).withMaxRetryBufferBytes(retryBufferBytes);
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
