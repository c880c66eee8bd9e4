package io.trellis.waypoint.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's standard request metrics with its standard labels, {@code reporter="waypoint"}:
 * {@code istio_requests_total}, {@code istio_request_duration_milliseconds} (histogram),
 * {@code istio_request_bytes} and {@code istio_response_bytes}. Meters are looked up once per
 * label set and cached, so a request costs one map lookup and four increments.
 */
public final class RequestMetrics {

    /** Istio's default duration buckets, in milliseconds. */
    private static final double[] DURATION_BUCKETS_MS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
        30000, 60000, 300000, 600000, 1800000, 3600000};
    /** Istio's default size buckets: 1 B .. 100 MB, powers of ten. */
    private static final double[] BYTE_BUCKETS = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

    private final MeterRegistry registry;
    private final String reporter;
    private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();

    /** Metrics reported as {@code reporter="waypoint"}. */
    public RequestMetrics(MeterRegistry registry) {
        this(registry, "waypoint");
    }

    RequestMetrics(MeterRegistry registry, String reporter) {
        this.registry = registry;
        this.reporter = reporter;
    }

    /** Counts one finished request. */
    public void record(RequestRecord r) {
        Labels labels = Labels.of(r);
        Meters m = meters.get(labels);
        if (m == null) {
            m = meters.computeIfAbsent(labels, this::create);
        }
        m.requests.increment();
        m.duration.record(r.durationNanos() / 1_000_000.0);
        m.requestBytes.record(r.requestBytes());
        m.responseBytes.record(r.responseBytes());
    }

    /** Distinct label sets seen (a cardinality check for operators and tests). */
    public int labelSets() {
        return meters.size();
    }

    private Meters create(Labels l) {
        Tags tags = Tags.of(
                "reporter", reporter,
                "source_workload", l.sourceWorkload,
                "source_workload_namespace", l.sourceNamespace,
                "source_principal", l.sourcePrincipal,
                "destination_workload", l.destination.name(),
                "destination_workload_namespace", l.destination.namespace(),
                "destination_principal", l.destinationPrincipal,
                "destination_app", l.destination.app(),
                "destination_version", l.destination.version(),
                "destination_canonical_service", l.destination.app(),
                "destination_canonical_revision", l.destination.version(),
                "destination_service", l.destinationService,
                "destination_service_name", l.destinationServiceName,
                "destination_service_namespace", l.destinationNamespace,
                "request_protocol", l.requestProtocol,
                "response_code", l.responseCode,
                "response_flags", l.flags,
                "grpc_response_status", l.grpcStatus,
                "connection_security_policy", "mutual_tls");
        return new Meters(
                Counter.builder("istio_requests_total").description("Requests handled by the waypoint").tags(tags)
                        .register(registry),
                DistributionSummary.builder("istio_request_duration_milliseconds").baseUnit("milliseconds")
                        .description("Request duration").serviceLevelObjectives(DURATION_BUCKETS_MS).tags(tags)
                        .register(registry),
                DistributionSummary.builder("istio_request_bytes").baseUnit("bytes").description("Request body sizes")
                        .serviceLevelObjectives(BYTE_BUCKETS).tags(tags).register(registry),
                DistributionSummary.builder("istio_response_bytes").baseUnit("bytes").description("Response body sizes")
                        .serviceLevelObjectives(BYTE_BUCKETS).tags(tags).register(registry));
    }

    private record Meters(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
            DistributionSummary responseBytes) {}

    private record Labels(String sourceWorkload, String sourceNamespace, String sourcePrincipal,
            String destinationNamespace, RequestRecord.Workload destination, String destinationPrincipal,
            String destinationService,
            String destinationServiceName, String requestProtocol, String responseCode, String flags, String grpcStatus) {
        static Labels of(RequestRecord r) {
            String service = r.destinationService();
            int dot = service.indexOf('.');
            return new Labels(r.source().workload(), r.source().namespace(), orUnknown(r.source().principal()),
                    r.destinationNamespace(), r.destinationWorkload(), orUnknown(r.destinationPrincipal()), service,
                    dot < 0 ? service : service.substring(0, dot), r.requestProtocol(), Integer.toString(r.status()),
                    r.flags(), r.grpcStatus() == null ? "" : r.grpcStatus().toString());
        }

        private static String orUnknown(String value) {
            return value == null ? "unknown" : value;
        }
    }
}
