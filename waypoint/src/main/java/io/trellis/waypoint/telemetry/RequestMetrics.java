package io.trellis.waypoint.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Istio's standard request metrics with its standard labels, {@code reporter="waypoint"}:
 * {@code istio_requests_total}, {@code istio_request_duration_milliseconds} (histogram),
 * {@code istio_request_bytes} and {@code istio_response_bytes}. Meters are looked up once per
 * label set and cached, so a request costs one table lookup (no key object) and four updates.
 */
public final class RequestMetrics {

    /** Istio's default duration buckets, in milliseconds. */
    private static final double[] DURATION_BUCKETS_MS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
        30000, 60000, 300000, 600000, 1800000, 3600000};
    /** Istio's default size buckets: 1 B .. 100 MB, powers of ten. */
    private static final double[] BYTE_BUCKETS = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

    private final MeterRegistry registry;
    private final String reporter;
    /**
     * Meters by label set: an open hash table of immutable chains, read without locks (one volatile
     * read) and replaced whole under the lock when a new label set appears. A lookup compares the
     * record's fields with each entry's in place, so a request builds no key object (a record key
     * with twelve fields and a formatted status code was a visible share of the per-request cost).
     */
    private volatile Entry[] table = new Entry[64];
    private int size;

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
        int hash = hash(r);
        Entry[] t = table;
        Entry e = t[hash & (t.length - 1)];
        while (e != null && !(e.hash == hash && e.matches(r))) {
            e = e.next;
        }
        Meters m = e != null ? e.meters : insert(r, hash);
        m.requests.increment();
        m.duration.record(r.durationNanos() / 1_000_000.0);
        m.requestBytes.record(r.requestBytes());
        m.responseBytes.record(r.responseBytes());
    }

    /** Distinct label sets seen (a cardinality check for operators and tests). */
    public int labelSets() {
        synchronized (this) {
            return size;
        }
    }

    private synchronized Meters insert(RequestRecord r, int hash) {
        Entry[] t = table;
        for (Entry e = t[hash & (t.length - 1)]; e != null; e = e.next) {
            if (e.hash == hash && e.matches(r)) {
                return e.meters; // another loop added it first
            }
        }
        Labels labels = Labels.of(r);
        Meters m = create(labels);
        Entry[] next = size + 1 > t.length * 3 / 4 ? new Entry[t.length * 2] : t.clone();
        if (next.length != t.length) {
            for (Entry head : t) {
                for (Entry e = head; e != null; e = e.next) {
                    int i = e.hash & (next.length - 1);
                    next[i] = new Entry(e.hash, e.labels, e.meters, next[i]);
                }
            }
        }
        int i = hash & (next.length - 1);
        next[i] = new Entry(hash, labels, m, next[i]);
        size++;
        table = next; // publishes the new chains (final fields) to lock-free readers
        return m;
    }

    private static int hash(RequestRecord r) {
        RequestRecord.Peer src = r.source();
        int h = src.workload().hashCode();
        h = 31 * h + src.namespace().hashCode();
        h = 31 * h + orUnknown(src.principal()).hashCode();
        h = 31 * h + r.destinationNamespace().hashCode();
        h = 31 * h + r.destinationWorkload().name().hashCode();
        h = 31 * h + orUnknown(r.destinationPrincipal()).hashCode();
        h = 31 * h + r.destinationService().hashCode();
        h = 31 * h + r.requestProtocol().hashCode();
        h = 31 * h + r.status();
        h = 31 * h + r.flags().hashCode();
        h = 31 * h + (r.grpcStatus() == null ? -1 : r.grpcStatus());
        return h ^ (h >>> 16);
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
                "destination_service_name", l.destinationServiceName(),
                "destination_service_namespace", l.destinationNamespace,
                "request_protocol", l.requestProtocol,
                "response_code", Integer.toString(l.status),
                "response_flags", l.flags,
                "grpc_response_status", l.grpcStatus == null ? "" : l.grpcStatus.toString(),
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

    private record Entry(int hash, Labels labels, Meters meters, @Nullable Entry next) {
        boolean matches(RequestRecord r) {
            return labels.matches(r);
        }
    }

    /** One label set, as the request that first had it said it. */
    private record Labels(String sourceWorkload, String sourceNamespace, String sourcePrincipal,
            String destinationNamespace, RequestRecord.Workload destination, String destinationPrincipal,
            String destinationService, String requestProtocol, int status, String flags,
            @Nullable Integer grpcStatus) {
        static Labels of(RequestRecord r) {
            return new Labels(r.source().workload(), r.source().namespace(), orUnknown(r.source().principal()),
                    r.destinationNamespace(), r.destinationWorkload(), orUnknown(r.destinationPrincipal()),
                    r.destinationService(), r.requestProtocol(), r.status(), r.flags(), r.grpcStatus());
        }

        /** Whether {@code r} has exactly these labels (the cheap and most selective fields first). */
        boolean matches(RequestRecord r) {
            RequestRecord.Peer src = r.source();
            return status == r.status() && Objects.equals(grpcStatus, r.grpcStatus()) && flags.equals(r.flags())
                    && sourceWorkload.equals(src.workload()) && sourceNamespace.equals(src.namespace())
                    && sourcePrincipal.equals(orUnknown(src.principal()))
                    && destinationService.equals(r.destinationService())
                    && destinationNamespace.equals(r.destinationNamespace())
                    && (destination == r.destinationWorkload() || destination.equals(r.destinationWorkload()))
                    && destinationPrincipal.equals(orUnknown(r.destinationPrincipal()))
                    && requestProtocol.equals(r.requestProtocol());
        }

        String destinationServiceName() {
            int dot = destinationService.indexOf('.');
            return dot < 0 ? destinationService : destinationService.substring(0, dot);
        }
    }

    private static String orUnknown(@Nullable String value) {
        return value == null ? "unknown" : value;
    }
}
