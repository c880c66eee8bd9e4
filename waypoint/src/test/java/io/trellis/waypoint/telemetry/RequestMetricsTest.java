package io.trellis.waypoint.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {

    private static final RequestRecord.Workload REVIEWS =
            new RequestRecord.Workload("reviews-v1", "shop", "reviews", "v1");

    private static RequestRecord record(String sourceWorkload, @Nullable String sourcePrincipal, int status,
            String flags, @Nullable Integer grpcStatus, RequestRecord.Workload destination) {
        return new RequestRecord(0, 2_500_000, "GET", "/", "reviews", grpcStatus == null ? "http" : "grpc",
                "HTTP/1.1", status, flags, grpcStatus, "via_upstream", 10, 1024, 1,
                new RequestRecord.Peer(sourcePrincipal, "front", sourceWorkload, "10.0.0.1:5000"),
                "reviews.shop.svc.cluster.local", "shop", destination, "spiffe://cluster.local/ns/shop/sa/reviews",
                "10.0.1.1:9080", "reviews", "r", null, null, null);
    }

    private static RequestRecord ok() {
        return record("web", "spiffe://cluster.local/ns/front/sa/web", 200, "-", null, REVIEWS);
    }

    @Test
    void oneLabelSetPerDistinctCombinationWithIstioLabelValues() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);

        metrics.record(ok());
        metrics.record(ok());
        // Equal labels from other instances (a new snapshot's workload, another connection's strings).
        metrics.record(record(new String("web"), "spiffe://cluster.local/ns/front/sa/web", 200, "-", null,
                new RequestRecord.Workload("reviews-v1", "shop", "reviews", "v1")));

        assertThat(metrics.labelSets()).isEqualTo(1);
        Counter ok = registry.get("istio_requests_total").tag("response_code", "200").counter();
        assertThat(ok.count()).isEqualTo(3.0);
        assertThat(ok.getId().getTag("reporter")).isEqualTo("waypoint");
        assertThat(ok.getId().getTag("source_workload")).isEqualTo("web");
        assertThat(ok.getId().getTag("source_principal")).isEqualTo("spiffe://cluster.local/ns/front/sa/web");
        assertThat(ok.getId().getTag("destination_workload")).isEqualTo("reviews-v1");
        assertThat(ok.getId().getTag("destination_canonical_revision")).isEqualTo("v1");
        assertThat(ok.getId().getTag("destination_service")).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(ok.getId().getTag("destination_service_name")).isEqualTo("reviews");
        assertThat(ok.getId().getTag("response_flags")).isEqualTo("-");
        assertThat(ok.getId().getTag("grpc_response_status")).isEmpty();
        DistributionSummary duration = registry.get("istio_request_duration_milliseconds")
                .tag("response_code", "200").summary();
        assertThat(duration.count()).isEqualTo(3);
        assertThat(duration.totalAmount()).isEqualTo(7.5);
        assertThat(registry.get("istio_response_bytes").tag("response_code", "200").summary().totalAmount())
                .isEqualTo(3 * 1024.0);
    }

    @Test
    void everyLabelThatDiffersMakesItsOwnSet() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);

        metrics.record(ok());
        metrics.record(record("web", "spiffe://cluster.local/ns/front/sa/web", 503, "-", null, REVIEWS));
        metrics.record(record("web", "spiffe://cluster.local/ns/front/sa/web", 503, "UF", null, REVIEWS));
        metrics.record(record("web", "spiffe://cluster.local/ns/front/sa/web", 200, "-", 0, REVIEWS));
        metrics.record(record("web", "spiffe://cluster.local/ns/front/sa/web", 200, "-", 14, REVIEWS));
        metrics.record(record("batch", "spiffe://cluster.local/ns/front/sa/web", 200, "-", null, REVIEWS));
        metrics.record(record("web", null, 200, "-", null, REVIEWS));
        metrics.record(record("web", "spiffe://cluster.local/ns/front/sa/web", 200, "-", null,
                new RequestRecord.Workload("reviews-v2", "shop", "reviews", "v2")));

        assertThat(metrics.labelSets()).isEqualTo(8);
        assertThat(registry.get("istio_requests_total").counters()).hasSize(8);
        assertThat(registry.get("istio_requests_total").tag("response_flags", "UF").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("istio_requests_total").tag("grpc_response_status", "14").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("istio_requests_total").tag("source_principal", "unknown").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("istio_requests_total").tag("destination_version", "v2").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void anUnknownPrincipalAndTheTextUnknownAreOneLabelSet() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);

        metrics.record(record("web", null, 200, "-", null, REVIEWS));
        metrics.record(record("web", "unknown", 200, "-", null, REVIEWS));

        assertThat(metrics.labelSets()).isEqualTo(1);
        assertThat(registry.get("istio_requests_total").counter().count()).isEqualTo(2.0);
    }

    @Test
    void manyLabelSetsFromSeveralThreadsAreEachCountedOnce() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);
        int threads = 4;
        int codes = 300; // several table growths while other threads read
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int round = 0; round < 3; round++) {
                    for (int code = 0; code < codes; code++) {
                        metrics.record(record("web", null, 200 + code, "-", null, REVIEWS));
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        assertThat(metrics.labelSets()).isEqualTo(codes);
        for (int code = 0; code < codes; code++) {
            assertThat(registry.get("istio_requests_total").tag("response_code", Integer.toString(200 + code))
                    .counter().count()).as("code %d", 200 + code).isEqualTo(3.0 * threads);
        }
    }
}
