package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpHandler;
import io.trellis.testkit.Await;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The retry-exhausted signal over real HBONE: a waypoint that gave up retrying marks its response,
 * a waypoint receiving a marked response (or a gRPC pushback of -1) does not retry it, and a
 * server's delay longer than the route's maximum backoff is left to the client.
 */
class RetrySignalTest {

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static final Map<String, AtomicInteger> hits = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress down = fx.backend(answer("down", 503, Map.of()));
        InetSocketAddress marked = fx.backend(answer("marked", 503, Map.of(RetrySignal.EXHAUSTED_HEADER, "true")));
        InetSocketAddress bogus = fx.backend(answer("bogus", 503, Map.of(RetrySignal.EXHAUSTED_HEADER, "maybe")));
        InetSocketAddress later = fx.backend(answer("later", 503, Map.of("Retry-After", "120")));
        InetSocketAddress soon = fx.backend(answer("soon", 503, Map.of("Retry-After", "0")));
        InetSocketAddress grpcNo = fx.backend(answer("grpcNo", 200, Map.of("content-type", "application/grpc",
                "grpc-status", "14", RetrySignal.GRPC_PUSHBACK, "-1")));
        InetSocketAddress grpcDown = fx.backend(answer("grpcDown", 200, Map.of("content-type", "application/grpc",
                "grpc-status", "14")));
        String retry = """
                "retry_policy": {"retry_on": "5xx,unavailable", "num_retries": 2,
                  "retry_back_off": {"base_interval": "0.001s", "max_interval": "0.01s"}}""";
        StringBuilder routes = new StringBuilder();
        List<String> names = List.of("down", "marked", "bogus", "later", "soon", "grpcNo", "grpcDown");
        for (String n : names) {
            routes.append(routes.isEmpty() ? "" : ",").append("""
                    {"name": "%s", "match": {"prefix": "/%s"}, "route": {"cluster": "%s", %s}}""".formatted(n, n, n, retry));
        }
        String routeConfig = """
                {"name": "reviews", "virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [%s]}]}"""
                .formatted(routes);
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "reviews")),
                List.of(routeConfig), names.stream().map(n -> edsCluster(n, "")).toList(),
                List.of(endpoints("down", down), endpoints("marked", marked), endpoints("bogus", bogus),
                        endpoints("later", later), endpoints("soon", soon), endpoints("grpcNo", grpcNo),
                        endpoints("grpcDown", grpcDown)), names), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    static HttpHandler answer(String name, int status, Map<String, String> headers) {
        AtomicInteger counter = hits.computeIfAbsent(name, k -> new AtomicInteger());
        return ex -> {
            counter.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        };
    }

    static String lastLogFor(String path) {
        return Await.value("access log line for " + path, Duration.ofSeconds(10),
                () -> fx.accessLog.stream().filter(l -> l.contains("\"path\":\"" + path + "\"")).reduce((a, b) -> b)
                        .orElse(null), v -> v != null);
    }

    static RawHttp.Response grpcCall(RawHttp c, String path) throws Exception {
        c.send("POST " + path + " HTTP/1.1\r\nHost: reviews\r\ncontent-type: application/grpc\r\nte: trailers\r\n"
                + "Content-Length: 5\r\n\r\n", new byte[5]);
        return c.read(false);
    }

    @Test
    void aWaypointThatGaveUpRetryingMarksItsResponse() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/down");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
        }
        assertThat(hits.get("down").get()).isEqualTo(3); // the original and both retries
    }

    @Test
    void aMarkedResponseIsNotRetriedAndTheMarkTravelsOn() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/marked");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
        }
        assertThat(hits.get("marked").get()).isEqualTo(1);
        assertThat(lastLogFor("/marked")).doesNotContain("URX");
    }

    @Test
    void aMalformedMarkIsNeitherHonouredNorPassedOnButReplacedByThisWaypointsOwn() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/bogus");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
        }
        assertThat(hits.get("bogus").get()).isEqualTo(3);
    }

    @Test
    void aRetryAfterLongerThanTheMaximumBackoffGoesBackToTheClient() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/later");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isEqualTo("120");
            assertThat(r.header(RetrySignal.EXHAUSTED_HEADER)).isNull();
        }
        assertThat(hits.get("later").get()).isEqualTo(1);
    }

    @Test
    void aRetryAfterWithinTheMaximumBackoffIsTheRetryDelay() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            assertThat(c.get("/soon").status()).isEqualTo(503);
        }
        assertThat(hits.get("soon").get()).isEqualTo(3);
    }

    @Test
    void grpcPushbackOfMinusOneStopsRetriesAndGivingUpSetsIt() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response no = grpcCall(c, "/grpcNo");
            assertThat(no.header("grpc-status")).isEqualTo("14");
            assertThat(no.header(RetrySignal.GRPC_PUSHBACK)).isEqualTo("-1");
            assertThat(no.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
            RawHttp.Response down = grpcCall(c, "/grpcDown");
            assertThat(down.header("grpc-status")).isEqualTo("14");
            assertThat(down.header(RetrySignal.GRPC_PUSHBACK)).isEqualTo("-1");
            assertThat(down.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
        }
        assertThat(hits.get("grpcNo").get()).isEqualTo(1);
        assertThat(hits.get("grpcDown").get()).isEqualTo(3);
    }

    @Test
    void theSignalIsSetStrippedOrLeftAloneConsistently() {
        var h = new io.netty.handler.codec.http.DefaultHttpHeaders();
        RetrySignal.apply(h, true, true, true);
        assertThat(h.get(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
        assertThat(h.get(RetrySignal.GRPC_PUSHBACK)).isEqualTo("-1");

        var passed = new io.netty.handler.codec.http.DefaultHttpHeaders().set(RetrySignal.EXHAUSTED_HEADER, "true");
        RetrySignal.apply(passed, false, false, true);
        assertThat(passed.get(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");

        var bogus = new io.netty.handler.codec.http.DefaultHttpHeaders().set(RetrySignal.EXHAUSTED_HEADER, "1");
        RetrySignal.apply(bogus, false, false, true);
        assertThat(bogus.contains(RetrySignal.EXHAUSTED_HEADER)).isFalse();

        var off = new io.netty.handler.codec.http.DefaultHttpHeaders().set(RetrySignal.EXHAUSTED_HEADER, "1");
        RetrySignal.apply(off, true, true, false);
        assertThat(off.get(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("1");
        assertThat(off.contains(RetrySignal.GRPC_PUSHBACK)).isFalse();
        assertThat(RetrySignal.read(off.set(RetrySignal.EXHAUSTED_HEADER, "true"), 503, false))
                .isEqualTo(io.trellis.waypoint.resilience.RetryPushback.NONE);
    }
}
