package io.trellis.proxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The three operator servers on loopback, driven by the JDK's HTTP client and raw sockets. */
class AdminHttpServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminHttpServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    private AdminHttpServer start(AdminRoutes routes) throws IOException {
        server = AdminHttpServer.start("test", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), routes);
        return server;
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Dump(String node, List<String> workloads) {}

    @Test
    void adminServesJsonChangesLevelsAndQuits() throws Exception {
        AtomicInteger quits = new AtomicInteger();
        start(AdminEndpoints.admin(() -> new Dump("node-a", List.of("demo/client")),
                () -> List.of(Map.of("identity", "spiffe://cluster.local/ns/demo/sa/client")), LogLevels.logback(),
                quits::incrementAndGet));

        HttpResponse<String> dump = send("GET", "/config_dump");
        assertThat(dump.statusCode()).isEqualTo(200);
        assertThat(dump.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(dump.body().replaceAll("\\s", "")).isEqualTo("{\"node\":\"node-a\",\"workloads\":[\"demo/client\"]}");
        assertThat(send("GET", "/certs").body()).contains("spiffe://cluster.local/ns/demo/sa/client");

        org.slf4j.Logger probe = LoggerFactory.getLogger("trellis.admin.probe");
        LogLevels levels = LogLevels.logback();
        String before = levels.levels().get("ROOT");
        try {
            assertThat(send("POST", "/logging?level=warn").statusCode()).isEqualTo(200);
            assertThat(probe.isInfoEnabled()).isFalse();
            assertThat(send("POST", "/logging?level=debug").body()).isEqualTo("ROOT=debug\n");
            assertThat(probe.isDebugEnabled()).isTrue();
            assertThat(send("POST", "/logging?trellis.admin.probe=error").statusCode()).isEqualTo(200);
            assertThat(probe.isWarnEnabled()).isFalse();
            assertThat(send("GET", "/logging").body()).contains("\"trellis.admin.probe\" : \"error\"");
            HttpResponse<String> bad = send("POST", "/logging?level=loud");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("unknown level 'loud'");
            assertThat(send("POST", "/logging").statusCode()).isEqualTo(400);
        } finally {
            levels.set("ROOT", before == null ? "info" : before);
            levels.set("trellis.admin.probe", "info");
        }

        assertThat(send("POST", "/quitquitquit").statusCode()).isEqualTo(200);
        Await.until("shutdown hook ran", WAIT, () -> quits.get() == 1);
    }

    @Test
    void badRequestsGetClearStatusesAndTheServerKeepsServing() throws Exception {
        start(new AdminRoutes().get("/ok", r -> AdminResponse.text(200, "fine\n"))
                .get("/boom", r -> {
                    throw new IllegalStateException("supplier broke");
                }));
        HttpResponse<String> missing = send("GET", "/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("/ok");
        HttpResponse<String> wrongMethod = send("DELETE", "/ok");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("GET");
        HttpResponse<String> boom = send("GET", "/boom");
        assertThat(boom.statusCode()).isEqualTo(500);
        assertThat(boom.body()).contains("supplier broke");

        assertThat(raw("GET /ok?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("this is not http\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")).startsWith("HTTP/1.1 413");
        assertThat(send("GET", "/ok").body()).isEqualTo("fine\n");
    }

    private String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[512];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void readinessSays503WithTheReasonUntilReady() throws Exception {
        AtomicReference<String> reason = new AtomicReference<>("waiting for the first workload xDS update");
        start(AdminEndpoints.readiness(reason::get));
        HttpResponse<String> notReady = send("GET", "/healthz/ready");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("waiting for the first workload xDS update");
        reason.set(null);
        assertThat(send("GET", "/healthz/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void prometheusExpositionPassesPromtool(@TempDir Path dir) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("istio.tcp.connections.opened").description("TCP connections opened")
                .tag("reporter", "destination").register(registry)
                .increment(3);
        start(AdminEndpoints.metrics(registry));
        HttpResponse<String> r = send("GET", "/stats/prometheus");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/plain; version=0.0.4"));
        assertThat(r.body()).contains("istio_tcp_connections_opened_total{reporter=\"destination\"} 3.0");
        Path exposition = Files.writeString(dir.resolve("metrics.txt"), r.body());
        assumeTrue(Promtool.available(), "promtool is not installed (Debian package 'prometheus'): skipping the "
                + "exposition check");
        Promtool.Result check = Promtool.checkMetrics(exposition);
        assertThat(check.exitCode()).as(check.output()).isZero();
    }
}
