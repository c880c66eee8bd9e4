package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Retry amplification through the real data path: five services s1 -> s2 -> ... -> s5, each
 * reached through the waypoint with one retry on 5xx; s5 fails every request. Services s1..s4
 * call the next service through the waypoint and answer with its status, copying the
 * retry-exhausted mark as an RPC framework propagates "do not retry". The waypoint's clock is the
 * fixture's frozen one, so the budget's window holds every request and the numbers are exact.
 */
class RetryChainTest {

    static final int HOPS = 5;
    static final int CLIENT_REQUESTS = 20;
    static final int BUDGET_PERCENT = 20;

    /** Leaf requests for {@link #CLIENT_REQUESTS} client requests through the chain. */
    static int leafRequests(boolean budgets, boolean signal) throws Exception {
        try (WaypointFixture fx = new WaypointFixture(s -> s.withRetryExhaustedSignal(signal))) {
            AtomicInteger leafHits = new AtomicInteger();
            AtomicReferenceArray<InetSocketAddress> entries = new AtomicReferenceArray<>(HOPS);
            List<InetSocketAddress> vips = new ArrayList<>();
            List<String> services = new ArrayList<>();
            List<String> routes = new ArrayList<>();
            List<String> clusters = new ArrayList<>();
            List<String> eps = new ArrayList<>();
            List<String> names = new ArrayList<>();
            String budget = !budgets ? "" : """
                    "metadata": {"filter_metadata": {"trellis.io/retry_budget": {"percent": %d, "window_seconds": 10,
                      "min_retries_per_second": 0}}}""".formatted(BUDGET_PERCENT);
            for (int k = 1; k <= HOPS; k++) {
                int next = k; // index of the next service's entry
                HttpHandler app = k == HOPS ? leaf(leafHits) : relay(() -> entries.get(next));
                InetSocketAddress backend = fx.backend(app);
                InetSocketAddress vip = new InetSocketAddress("10.96.1." + k, 80);
                String name = "s" + k;
                vips.add(vip);
                services.add(service(name + ".back.svc.cluster.local", vip, "http", name));
                routes.add("""
                        {"name": "%s", "virtual_hosts": [{"name": "%s", "domains": ["*"], "routes": [
                          {"name": "%s", "match": {"prefix": "/"}, "route": {"cluster": "%s", "retry_policy":
                            {"retry_on": "5xx", "num_retries": 1,
                             "retry_back_off": {"base_interval": "0.001s", "max_interval": "0.002s"}}}}]}]}"""
                        .formatted(name, name, name, name));
                clusters.add(edsCluster(name, budget));
                eps.add(endpoints(name, backend));
                names.add(name);
            }
            fx.apply(config(services, routes, clusters, eps, names), List.of());
            for (int k = 0; k < HOPS; k++) {
                entries.set(k, fx.entry(vips.get(k)));
            }
            for (int i = 0; i < CLIENT_REQUESTS; i++) {
                try (RawHttp c = new RawHttp(entries.get(0))) {
                    assertThat(c.get("/").status()).isEqualTo(503);
                }
            }
            // What each exchange ended with, to explain a surprising count.
            java.util.Map<String, Long> ends = fx.accessLog.stream().collect(java.util.stream.Collectors.groupingBy(
                    l -> l.replaceAll(".*\"response_code\":(\\d+).*", "$1") + " "
                            + l.replaceAll(".*\"response_flags\":\"([^\"]*)\".*", "$1") + " attempts="
                            + l.replaceAll(".*\"upstream_attempts\":(\\d+).*", "$1"),
                    java.util.TreeMap::new, java.util.stream.Collectors.counting()));
            System.out.printf("retry chain budgets=%s signal=%s leaf=%d exchanges %s%n", budgets, signal, leafHits.get(), ends);
            fx.accessLog.stream().filter(l -> l.contains("UC") || l.contains("UF")).forEach(l -> System.out.println("odd " + l));
            return leafHits.get();
        }
    }

    static HttpHandler leaf(AtomicInteger hits) {
        return ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(503, -1);
            ex.close();
        };
    }

    /** A service that calls the next one through the waypoint and answers with its status and mark. */
    static HttpHandler relay(java.util.function.Supplier<InetSocketAddress> next) {
        return ex -> {
            ex.getRequestBody().readAllBytes();
            int status;
            String mark;
            try (RawHttp c = new RawHttp(next.get())) {
                RawHttp.Response r = c.get("/");
                status = r.status();
                mark = r.header(RetrySignal.EXHAUSTED_HEADER);
            } catch (IOException e) {
                status = 502;
                mark = null;
            }
            if (mark != null) {
                ex.getResponseHeaders().set(RetrySignal.EXHAUSTED_HEADER, mark);
            }
            byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        };
    }

    @Test
    void fiveRetryingHopsAre32xNaiveAndStayWithinTheBudgetRatioWithTheSignal() throws Exception {
        int naive = leafRequests(false, false);
        int budgeted = leafRequests(true, false);
        int signalled = leafRequests(true, true);
        System.out.printf("retry chain through the waypoint hops=%d client_requests=%d leaf_requests naive=%d (%.2fx)"
                + " budgets=%d (%.2fx) budgets+signal=%d (%.2fx)%n", HOPS, CLIENT_REQUESTS, naive,
                naive / (double) CLIENT_REQUESTS, budgeted, budgeted / (double) CLIENT_REQUESTS, signalled,
                signalled / (double) CLIENT_REQUESTS);
        // Naive: 2^5 = 32x, exactly. (A shortfall here once exposed the HBONE server cutting busy pooled
        // connections after 200 cancelled tunnels: see proxy-core's RapidResetGuard and CancelledTunnelsTest.)
        assertThat(naive).isEqualTo((1 << HOPS) * CLIENT_REQUESTS);
        // The clock is frozen and the floor is 0: the leaf's hop may add at most the ratio of what it receives,
        // and the hops above add nothing.
        int bound = CLIENT_REQUESTS + CLIENT_REQUESTS * BUDGET_PERCENT / 100;
        assertThat(signalled).isBetween(CLIENT_REQUESTS / 2, bound);
        assertThat(budgeted).isGreaterThan(bound);
    }
}
