package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import io.trellis.testkit.Await;
import io.trellis.waypoint.proxy.OtlpReceiver.ExportedSpan;
import io.trellis.waypoint.telemetry.Tracing;
import io.trellis.waypoint.telemetry.TracingSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spans exported by the OpenTelemetry SDK over OTLP/HTTP to a real receiver: a server span per
 * request continuing the caller's W3C or B3 context, a client span per upstream attempt, and the
 * context the application behind the waypoint receives.
 */
class TracingTest {

    static OtlpReceiver receiver;
    static Tracing tracing;
    static WaypointFixture fx;
    static InetSocketAddress entry;
    /** Trace propagation headers each backend request carried, by its x-test-id. */
    static final Map<String, Map<String, String>> seenUpstream = new ConcurrentHashMap<>();
    static final AtomicInteger flakyHits = new AtomicInteger();

    @BeforeAll
    static void setUp() throws IOException {
        receiver = new OtlpReceiver();
        tracing = Tracing.create(TracingSettings.otlp(receiver.baseUrl(), 1.0));
        fx = new WaypointFixture(tracing);
        InetSocketAddress backend = fx.backend(TracingTest::backend);
        String routes = """
                {"name": "reviews", "virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [
                  {"name": "flaky", "match": {"prefix": "/flaky"}, "route": {"cluster": "v1",
                   "retry_policy": {"retry_on": "5xx", "num_retries": 1, "retry_back_off": {"base_interval": "0.001s"}}}},
                  {"name": "all", "match": {"prefix": "/"}, "route": {"cluster": "v1"}}]}]}""";
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "reviews")), List.of(routes),
                List.of(edsCluster("v1", "")), List.of(endpoints("v1", backend)), List.of("v1")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close(); // closes (flushes) the tracer too
        receiver.close();
    }

    static void backend(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        Map<String, String> seen = new ConcurrentHashMap<>();
        for (String h : List.of("traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                seen.put(h, v);
            }
        }
        seenUpstream.put(String.valueOf(ex.getRequestHeaders().getFirst("x-test-id")), seen);
        boolean fail = ex.getRequestURI().getPath().startsWith("/flaky") && flakyHits.getAndIncrement() % 2 == 0;
        ex.sendResponseHeaders(fail ? 503 : 200, -1);
        ex.close();
    }

    static RawHttp.Response get(String path, String testId, String extraHeaders) throws IOException {
        try (RawHttp c = new RawHttp(entry)) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: reviews\r\nx-test-id: " + testId + "\r\n" + extraHeaders + "\r\n",
                    new byte[0]);
            return c.read(false);
        }
    }

    /** The spans of {@code traceId} once {@code count} have arrived (flushing the batch processor meanwhile). */
    static List<ExportedSpan> spans(String traceId, int count) {
        return Await.value(count + " spans of trace " + traceId, Duration.ofSeconds(20), () -> {
            tracing.flush().join(5, java.util.concurrent.TimeUnit.SECONDS);
            return receiver.trace(traceId);
        }, l -> l.size() >= count);
    }

    static ExportedSpan only(List<ExportedSpan> spans, int kind) {
        List<ExportedSpan> l = spans.stream().filter(s -> s.kind() == kind).toList();
        assertThat(l).hasSize(1);
        return l.getFirst();
    }

    @Test
    void w3cContextIsContinuedAndTheUpstreamSeesTheClientSpan() throws IOException {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        RawHttp.Response r = get("/reviews/1?full=yes", "w3c",
                "traceparent: 00-" + traceId + "-" + callerSpan + "-01\r\ntracestate: vendor=opaque\r\n");
        assertThat(r.status()).isEqualTo(200);

        List<ExportedSpan> spans = spans(traceId, 2);
        ExportedSpan server = only(spans, ExportedSpan.SERVER);
        ExportedSpan client = only(spans, ExportedSpan.CLIENT);
        assertThat(server.parentSpanId()).as("the caller's span is the parent").isEqualTo(callerSpan);
        assertThat(client.parentSpanId()).isEqualTo(server.spanId());
        assertThat(server.traceState()).isEqualTo("vendor=opaque");
        assertThat(server.name()).isEqualTo("GET");
        assertThat(server.attributes()).containsEntry("http.request.method", "GET")
                .containsEntry("url.path", "/reviews/1").containsEntry("url.query", "full=yes")
                .containsEntry("server.address", "reviews").containsEntry("network.protocol.version", "1.1")
                .containsEntry("http.response.status_code", 200L).containsEntry("response_flags", "-")
                .containsEntry("upstream_cluster", "v1").containsEntry("route_name", "all")
                .containsEntry("istio.destination_service", "reviews.back.svc.cluster.local")
                .containsEntry("istio.destination_principal", WaypointFixture.BACKEND.uri().toString());
        assertThat(client.attributes()).containsEntry("http.request.method", "GET")
                .containsEntry("server.address", "127.0.0.1").containsEntry("trellis.attempt", 1L)
                .containsEntry("http.response.status_code", 200L).containsEntry("upstream_cluster", "v1")
                .doesNotContainKey("http.request.resend_count");

        Map<String, String> upstream = seenUpstream.get("w3c");
        assertThat(upstream).containsEntry("traceparent", "00-" + traceId + "-" + client.spanId() + "-01")
                .containsEntry("tracestate", "vendor=opaque")
                .containsEntry("x-b3-traceid", traceId).containsEntry("x-b3-spanid", client.spanId());
    }

    @Test
    void b3SingleHeaderContextIsContinued() throws IOException {
        String traceId = "80f198ee56343ba864fe8b2a57d3eff7";
        String callerSpan = "e457b5a2e4d86bd1";
        assertThat(get("/b3single", "b3single", "b3: " + traceId + "-" + callerSpan + "-1\r\n").status()).isEqualTo(200);

        List<ExportedSpan> spans = spans(traceId, 2);
        ExportedSpan server = only(spans, ExportedSpan.SERVER);
        ExportedSpan client = only(spans, ExportedSpan.CLIENT);
        assertThat(server.parentSpanId()).isEqualTo(callerSpan);
        assertThat(client.parentSpanId()).isEqualTo(server.spanId());
        assertThat(seenUpstream.get("b3single")).containsEntry("b3", traceId + "-" + client.spanId() + "-1")
                .containsEntry("traceparent", "00-" + traceId + "-" + client.spanId() + "-01");
    }

    @Test
    void b3MultiHeaderContextIsContinued() throws IOException {
        String traceId = "463ac35c9f6413ad48485a3953bb6124";
        String callerSpan = "a2fb4a1d1a96d312";
        assertThat(get("/b3multi", "b3multi", "X-B3-TraceId: " + traceId + "\r\nX-B3-SpanId: " + callerSpan
                + "\r\nX-B3-Sampled: 1\r\n").status()).isEqualTo(200);

        List<ExportedSpan> spans = spans(traceId, 2);
        ExportedSpan server = only(spans, ExportedSpan.SERVER);
        ExportedSpan client = only(spans, ExportedSpan.CLIENT);
        assertThat(server.parentSpanId()).isEqualTo(callerSpan);
        assertThat(seenUpstream.get("b3multi")).containsEntry("x-b3-traceid", traceId)
                .containsEntry("x-b3-spanid", client.spanId()).containsEntry("x-b3-sampled", "1");
    }

    @Test
    void aRetriedRequestHasOneClientSpanPerAttempt() throws IOException {
        String traceId = "0123456789abcdef0123456789abcdef";
        assertThat(get("/flaky", "flaky", "traceparent: 00-" + traceId + "-1111111111111111-01\r\n").status())
                .isEqualTo(200);

        List<ExportedSpan> spans = spans(traceId, 3);
        ExportedSpan server = only(spans, ExportedSpan.SERVER);
        List<ExportedSpan> attempts = spans.stream().filter(s -> s.kind() == ExportedSpan.CLIENT)
                .sorted(Comparator.comparing(s -> (Long) s.attr("trellis.attempt"))).toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> assertThat(a.parentSpanId()).isEqualTo(server.spanId()));
        assertThat(attempts.get(0).attributes()).containsEntry("trellis.attempt", 1L)
                .containsEntry("http.response.status_code", 503L).containsEntry("error.type", "503");
        assertThat(attempts.get(0).statusCode()).as("ERROR").isEqualTo(2);
        assertThat(attempts.get(1).attributes()).containsEntry("trellis.attempt", 2L)
                .containsEntry("http.request.resend_count", 1L).containsEntry("http.response.status_code", 200L);
        assertThat(server.attributes()).containsEntry("http.response.status_code", 200L);
        assertThat(receiver.contentTypes).allMatch(t -> t.equals("application/x-protobuf"));
    }

    @Test
    void settingsComeFromTheEnvironmentWithClearErrors() {
        assertThat(TracingSettings.fromEnvironment(Map.of()).enabled()).isFalse();
        TracingSettings s = TracingSettings.fromEnvironment(Map.of(TracingSettings.ENDPOINT_ENV, "http://collector:4318/",
                TracingSettings.SAMPLING_ENV, "0.25"));
        assertThat(s.tracesEndpoint()).hasToString("http://collector:4318/v1/traces");
        assertThat(s.samplingRatio()).isEqualTo(0.25);
        assertThat(TracingSettings.fromEnvironment(Map.of(TracingSettings.ENDPOINT_ENV, "http://c:4318/v1/traces"))
                .tracesEndpoint()).hasToString("http://c:4318/v1/traces");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TracingSettings.fromEnvironment(
                Map.of(TracingSettings.SAMPLING_ENV, "lots"))).hasMessageContaining("TRELLIS_TRACE_SAMPLING");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TracingSettings.fromEnvironment(
                Map.of(TracingSettings.SAMPLING_ENV, "1.5"))).hasMessageContaining("between 0.0 and 1.0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TracingSettings.fromEnvironment(
                Map.of(TracingSettings.ENDPOINT_ENV, "collector:4318"))).hasMessageContaining("http://");
        assertThat(Tracing.disabled().startRequest(new io.netty.handler.codec.http.DefaultHttpHeaders(), "GET", "/", "a",
                "1.1")).isSameAs(io.trellis.waypoint.telemetry.RequestTrace.NOOP);
    }
}
