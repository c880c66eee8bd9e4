package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.trellis.testkit.Await;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing, local responses, authorization and the resilience features, end to end over real HBONE. */
class RoutingAndResilienceTest {

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static final AtomicInteger v1Hits = new AtomicInteger();
    static final AtomicInteger v2Hits = new AtomicInteger();
    static final AtomicInteger badHits = new AtomicInteger();
    static final AtomicInteger budgetHits = new AtomicInteger();
    static final AtomicInteger outlierBadHits = new AtomicInteger();
    static final AtomicInteger guardedHits = new AtomicInteger();
    static volatile int stalledPort;
    /** Holds the never-answering backend until the class ends. */
    static final CountDownLatch teardown = new CountDownLatch(1);
    /** Holds the breaker test's first request. */
    static final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress v1 = fx.backend(answer(200, "v1", v1Hits));
        InetSocketAddress v2 = fx.backend(answer(200, "v2", v2Hits));
        InetSocketAddress bad = fx.backend(answer(503, "bad", badHits));
        InetSocketAddress good = fx.backend(answer(200, "good", new AtomicInteger()));
        InetSocketAddress alwaysDown = fx.backend(answer(503, "down", budgetHits));
        InetSocketAddress outlierBad = fx.backend(answer(503, "sick", outlierBadHits));
        InetSocketAddress outlierGood = fx.backend(answer(200, "healthy", new AtomicInteger()));
        InetSocketAddress held = fx.backend(ex -> {
            guardedHits.incrementAndGet();
            await(release);
            answer(200, "held", new AtomicInteger()).handle(ex);
        });
        InetSocketAddress stalled = fx.backend(ex -> {
            await(teardown);
            answer(200, "late", new AtomicInteger()).handle(ex);
        });
        stalledPort = stalled.getPort();
        String routes = """
                {"name": "reviews", "virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [
                  {"name": "split", "match": {"prefix": "/split"}, "route": {"weighted_clusters": {"clusters": [
                      {"name": "v1", "weight": 95}, {"name": "v2", "weight": 5}]}}},
                  {"name": "retry", "match": {"prefix": "/retry"},
                   "route": {"cluster": "flaky", "retry_policy": {"retry_on": "5xx", "num_retries": 2}}},
                  {"name": "budget", "match": {"prefix": "/budget"},
                   "route": {"cluster": "budgeted", "retry_policy": {"retry_on": "5xx", "num_retries": 3,
                             "retry_back_off": {"base_interval": "0.001s", "max_interval": "0.002s"}}}},
                  {"name": "pertry", "match": {"prefix": "/pertry"},
                   "route": {"cluster": "stalled", "timeout": "5s", "retry_policy": {"retry_on": "5xx", "num_retries": 1,
                             "per_try_timeout": "0.1s", "retry_back_off": {"base_interval": "0.001s"}}}},
                  {"name": "dead", "match": {"prefix": "/dead"}, "route": {"cluster": "dead"}},
                  {"name": "hang", "match": {"prefix": "/hang"}, "route": {"cluster": "stalled", "timeout": "20s"}},
                  {"name": "teapot", "match": {"prefix": "/teapot"}, "route": {"cluster": "v1"},
                   "typed_per_filter_config": {"envoy.filters.http.fault": {
                     "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
                     "abort": {"http_status": 418, "percentage": {"numerator": 100, "denominator": "HUNDRED"}}}}},
                  {"name": "delayed", "match": {"prefix": "/delayed"}, "route": {"cluster": "v1"},
                   "typed_per_filter_config": {"envoy.filters.http.fault": {
                     "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
                     "delay": {"fixed_delay": "0.05s", "percentage": {"numerator": 100, "denominator": "HUNDRED"}}}}},
                  {"name": "slow", "match": {"prefix": "/slow"}, "route": {"cluster": "stalled", "timeout": "0.2s"}},
                  {"name": "guarded", "match": {"prefix": "/guarded"}, "route": {"cluster": "guarded"}},
                  {"name": "outlier", "match": {"prefix": "/outlier"}, "route": {"cluster": "outlier"}},
                  {"name": "hello", "match": {"prefix": "/hello"}, "direct_response": {"status": 200, "body": {"inline_string": "hi there"}}},
                  {"name": "old", "match": {"prefix": "/old"}, "redirect": {"path_redirect": "/new", "response_code": "FOUND"}},
                  {"name": "v1", "match": {"prefix": "/v1"}, "route": {"cluster": "v1"}},
                  {"name": "admin", "match": {"prefix": "/admin"}, "route": {"cluster": "v1"}}]}]}""";
        String budget = """
                "metadata": {"filter_metadata": {"trellis.io/retry_budget": {"percent": 20, "window_seconds": 10, "min_retries_per_second": 0}}}""";
        String breaker = """
                "circuit_breakers": {"thresholds": [{"max_requests": 1}]}""";
        String outlier = """
                "outlier_detection": {"consecutive_5xx": 3, "enforcing_consecutive_5xx": 100, "interval": "1s",
                  "base_ejection_time": "30s", "max_ejection_percent": 50}""";
        AuthorizationPolicy denyAdmin = new AuthorizationPolicy("back", "deny-admin", AuthorizationPolicy.Action.DENY,
                List.of(new AuthorizationPolicy.Rule(List.of(),
                        List.of(AuthorizationPolicy.Operation.of(List.of("/admin*"), List.of())), List.of())));
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "reviews")), List.of(routes),
                List.of(edsCluster("v1", ""), edsCluster("v2", ""), edsCluster("flaky", ""), edsCluster("budgeted", budget),
                        edsCluster("guarded", breaker), edsCluster("outlier", outlier), edsCluster("stalled", ""),
                        edsCluster("dead", "")),
                List.of(endpoints("v1", v1), endpoints("v2", v2), endpoints("flaky", bad, good),
                        endpoints("budgeted", alwaysDown), endpoints("guarded", held),
                        endpoints("outlier", outlierBad, outlierGood), endpoints("stalled", stalled),
                        endpoints("dead", new InetSocketAddress("127.0.0.1", closedPort()))),
                List.of("v1", "v2", "flaky", "budgeted", "guarded", "outlier", "stalled", "dead")), List.of(denyAdmin));
        entry = fx.entry(HTTP_VIP);
    }

    /** A loopback port nobody listens on (bound, then released). */
    static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void tearDown() {
        release.countDown();
        teardown.countDown();
        fx.close();
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static HttpHandler answer(int status, String body, AtomicInteger hits) {
        return ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
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

    @Test
    void weightedSplitIsWithinToleranceOver2000Requests() throws Exception {
        int v1Before = v1Hits.get();
        int v2Before = v2Hits.get();
        int[] seen = new int[2];
        try (RawHttp c = new RawHttp(entry)) {
            for (int i = 0; i < 2000; i++) {
                RawHttp.Response r = c.get("/split");
                assertThat(r.status()).isEqualTo(200);
                seen[r.text().equals("v1") ? 0 : 1]++;
            }
        }
        assertThat(seen[0] + seen[1]).isEqualTo(2000);
        // 5 % of 2,000 is 100 with a standard deviation of ~9.7: +-40 is over four sigmas.
        assertThat(seen[1]).isBetween(60, 140);
        assertThat(v1Hits.get() - v1Before).isEqualTo(seen[0]);
        assertThat(v2Hits.get() - v2Before).isEqualTo(seen[1]);
    }

    @Test
    void retryHidesA503FromOneEndpoint() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            for (int i = 0; i < 10; i++) {
                RawHttp.Response r = c.get("/retry");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("good");
            }
        }
        assertThat(badHits.get()).as("the failing endpoint was tried and its 503s retried").isGreaterThan(0);
        assertThat(fx.accessLog).anyMatch(l -> l.contains("\"path\":\"/retry\"") && l.contains("\"upstream_attempts\":2"));
    }

    @Test
    void bodiesLargerThanTheRetryBufferStreamThroughButAreNotRetried() throws Exception {
        byte[] small = new byte[1024];
        byte[] large = new byte[256 * 1024]; // the fixture keeps 64 KiB for retries
        int smallFailures = 0;
        int largeFailures = 0;
        try (RawHttp c = new RawHttp(entry)) {
            for (int i = 0; i < 10; i++) {
                c.send("PUT /retry HTTP/1.1\r\nHost: reviews\r\nContent-Length: " + small.length + "\r\n\r\n", small);
                smallFailures += c.read(false).status() == 503 ? 1 : 0;
                c.send("PUT /retry HTTP/1.1\r\nHost: reviews\r\nContent-Length: " + large.length + "\r\n\r\n", large);
                largeFailures += c.read(false).status() == 503 ? 1 : 0;
            }
        }
        assertThat(smallFailures).as("small bodies are replayed on the other endpoint").isZero();
        assertThat(largeFailures).as("round robin sends some large bodies to the failing endpoint; no replay")
                .isGreaterThan(0);
    }

    @Test
    void retryBudgetCapsRetriesToItsRatio() throws Exception {
        int requests = 50;
        try (RawHttp c = new RawHttp(entry)) {
            for (int i = 0; i < requests; i++) {
                assertThat(c.get("/budget").status()).isEqualTo(503);
            }
        }
        // Without the budget every request would cost 1 + 3 retries = 200 upstream requests.
        assertThat(budgetHits.get()).isBetween(requests, requests + requests * 20 / 100 + 1);
        assertThat(fx.accessLog).anyMatch(l -> l.contains("\"path\":\"/budget\"") && l.contains("URX"));
    }

    @Test
    void requestTimeoutAnswers504WithFlagUT() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/slow");
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).contains("upstream request timeout");
        }
        assertThat(lastLogFor("/slow")).contains("\"response_flags\":\"UT\"", "\"response_code\":504");
        assertThat(fx.registry.scrape()).contains("response_flags=\"UT\"");
    }

    @Test
    void perTryTimeoutRetriesThenAnswers504() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            assertThat(c.get("/pertry").status()).isEqualTo(504);
        }
        assertThat(lastLogFor("/pertry")).contains("\"response_flags\":\"UT,URX\"", "\"upstream_attempts\":2");
    }

    @Test
    void faultInjectionAbortsAndDelays() throws Exception {
        int v1Before = v1Hits.get();
        try (RawHttp c = new RawHttp(entry)) {
            assertThat(c.get("/teapot").status()).isEqualTo(418);
            assertThat(v1Hits.get()).as("an aborted request never reaches the backend").isEqualTo(v1Before);
            RawHttp.Response delayed = c.get("/delayed");
            assertThat(delayed.status()).isEqualTo(200);
            assertThat(delayed.text()).isEqualTo("v1");
        }
        assertThat(lastLogFor("/teapot")).contains("\"response_flags\":\"FI\"", "\"response_code\":418");
        assertThat(lastLogFor("/delayed")).contains("\"response_flags\":\"DI\"", "\"response_code\":200");
    }

    @Test
    void aClientLeavingMidRequestIsLoggedAsDownstreamTermination() throws Exception {
        java.util.function.LongSupplier toStalled =
                () -> fx.nodeProxyRequests.stream().filter(r -> r.target().getPort() == stalledPort).count();
        long before = toStalled.getAsLong();
        try (RawHttp c = new RawHttp(entry)) {
            c.send("GET /hang HTTP/1.1\r\nHost: reviews\r\n\r\n", new byte[0]);
            Await.until("the request reached the upstream", Duration.ofSeconds(10), () -> toStalled.getAsLong() > before);
            // An abort (RST), not a FIN: a half-closed HTTP/1.1 client may still read its response.
            c.socket.setSoLinger(true, 0);
        }
        assertThat(lastLogFor("/hang")).contains("\"response_flags\":\"DC\"", "\"response_code\":0",
                "downstream_remote_disconnect");
    }

    @Test
    void anUnreachableEndpointIsAConnectFailure() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/dead");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).contains("upstream_connect_failed").contains("HBONE 502");
        }
        assertThat(lastLogFor("/dead")).contains("\"response_flags\":\"UF\"");
    }

    @Test
    void breakerOverflowAnswers503WithFlagUO() throws Exception {
        try (RawHttp first = new RawHttp(entry); RawHttp second = new RawHttp(entry)) {
            int before = guardedHits.get();
            first.send("GET /guarded HTTP/1.1\r\nHost: reviews\r\n\r\n", new byte[0]);
            Await.until("first request reached the backend", Duration.ofSeconds(10), () -> guardedHits.get() > before);
            RawHttp.Response overflow = second.get("/guarded");
            assertThat(overflow.status()).isEqualTo(503);
            assertThat(overflow.header("x-trellis-response-flags")).isEqualTo("UO");
            // Shedding is a give-up: callers further up must not retry into the open breaker.
            assertThat(overflow.header(RetrySignal.EXHAUSTED_HEADER)).isEqualTo("true");
            assertThat(lastLogFor("/guarded")).contains("\"response_flags\":\"UO\"");
            release.countDown();
            assertThat(first.read(false).status()).isEqualTo(200);
        }
    }

    @Test
    void outlierDetectionEjectsAnEndpointAndRestoresItAfterTheEjectionTime() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            int fiveHundreds = 0;
            for (int i = 0; i < 8; i++) {
                if (c.get("/outlier").status() == 503) {
                    fiveHundreds++;
                }
            }
            assertThat(fiveHundreds).as("three consecutive 503s eject the sick endpoint").isEqualTo(3);
            int sickBefore = outlierBadHits.get();
            for (int i = 0; i < 20; i++) {
                assertThat(c.get("/outlier").status()).isEqualTo(200);
            }
            assertThat(outlierBadHits.get()).isEqualTo(sickBefore);
            fx.nanos.addAndGet(Duration.ofSeconds(31).toNanos());
            fx.waypoint.tickOutliers();
            boolean sickAgain = false;
            for (int i = 0; i < 4 && !sickAgain; i++) {
                sickAgain = c.get("/outlier").status() == 503;
            }
            assertThat(sickAgain).as("after the ejection time the endpoint gets traffic again").isTrue();
        }
    }

    @Test
    void directResponseRedirectNoRouteAndDeny() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response hello = c.get("/hello");
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.text()).isEqualTo("hi there");

            RawHttp.Response redirect = c.get("/old/page");
            assertThat(redirect.status()).isEqualTo(302);
            assertThat(redirect.header("location")).endsWith("/new");

            RawHttp.Response none = c.get("/nothing-here");
            assertThat(none.status()).isEqualTo(404);

            RawHttp.Response denied = c.get("/admin/users");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.text()).isEqualTo("RBAC: access denied");

            assertThat(c.get("/v1").text()).as("the connection stays usable").isEqualTo("v1");
        }
        assertThat(lastLogFor("/nothing-here")).contains("\"response_flags\":\"NR\"", "\"response_code\":404");
        assertThat(lastLogFor("/admin/users")).contains("\"response_code\":403", "rbac_access_denied_matched_policy[back/deny-admin]");
        assertThat(lastLogFor("/hello")).contains("\"response_code_details\":\"direct_response\"");
    }
}
