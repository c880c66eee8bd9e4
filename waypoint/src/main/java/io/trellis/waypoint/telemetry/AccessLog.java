package io.trellis.waypoint.telemetry;

import static io.trellis.proxy.core.telemetry.JsonLine.number;
import static io.trellis.proxy.core.telemetry.JsonLine.string;

import io.trellis.proxy.core.telemetry.AccessLogWriter;
import io.trellis.proxy.core.telemetry.IsoMillis;
import io.trellis.proxy.core.telemetry.JsonLine;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request, with Envoy's access-log field names where one exists so existing log
 * pipelines can parse it. The standard log ({@link #toLogger()}) is switched by logger
 * {@code trellis.access}'s level and written to stdout by a background thread: the event loop only
 * queues the finished request's record.
 */
public final class AccessLog {

    /** The logger whose level (INFO or OFF) switches the standard access log. */
    public static final String LOGGER = "trellis.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final @Nullable Consumer<String> sink;
    private final @Nullable AccessLogWriter<RequestRecord> writer;

    /** An access log writing each line to {@code sink} on the caller's thread (tests, or a dedicated file writer). */
    public AccessLog(Consumer<String> sink) {
        this.sink = sink;
        this.writer = null;
    }

    private AccessLog(AccessLogWriter<RequestRecord> writer) {
        this.sink = null;
        this.writer = writer;
    }

    /**
     * The standard access log: one line per request on stdout while logger {@value #LOGGER} is
     * enabled at INFO ({@code TRELLIS_ACCESS_LOG_LEVEL=OFF} turns it off). One writer thread per JVM.
     */
    public static AccessLog toLogger() {
        return new AccessLog(Stdout.WRITER);
    }

    /** Writes the line for {@code r} (skipped cheaply when the logger is off). */
    public void log(RequestRecord r) {
        if (writer != null) {
            if (LOG.isInfoEnabled()) {
                writer.offer(r);
            }
            return;
        }
        Objects.requireNonNull(sink).accept(format(r));
    }

    /** The JSON object for {@code r}, on one line. */
    public static String format(RequestRecord r) {
        StringBuilder b = new StringBuilder(1024);
        appendTo(b, r, new IsoMillis());
        return b.toString();
    }

    /** Appends the JSON object for {@code r} to {@code b}; {@code clock} formats the start time. */
    static void appendTo(StringBuilder b, RequestRecord r, IsoMillis clock) {
        JsonLine.open(b);
        b.append("\"start_time\":\"");
        clock.append(b, r.startEpochMillis());
        b.append("\",");
        string(b, "method", r.method());
        string(b, "path", r.path());
        string(b, "authority", r.authority());
        string(b, "protocol", r.downstreamProtocol());
        string(b, "request_protocol", r.requestProtocol());
        number(b, "response_code", r.status());
        string(b, "response_flags", r.flags());
        string(b, "response_code_details", r.detail());
        if (r.grpcStatus() != null) {
            number(b, "grpc_status", r.grpcStatus());
        }
        number(b, "bytes_received", r.requestBytes());
        number(b, "bytes_sent", r.responseBytes());
        number(b, "duration", r.durationNanos() / 1_000_000);
        number(b, "upstream_attempts", r.attempts());
        string(b, "upstream_host", r.upstreamHost());
        string(b, "upstream_cluster", r.upstreamCluster());
        string(b, "route_name", r.route());
        string(b, "downstream_peer_principal", r.source().principal());
        string(b, "downstream_remote_address", r.source().address());
        string(b, "source_workload", r.source().workload());
        string(b, "source_namespace", r.source().namespace());
        string(b, "destination_service", r.destinationService());
        string(b, "destination_namespace", r.destinationNamespace());
        string(b, "destination_workload", r.destinationWorkload().name());
        string(b, "destination_workload_namespace", r.destinationWorkload().namespace());
        string(b, "destination_app", r.destinationWorkload().app());
        string(b, "destination_version", r.destinationWorkload().version());
        string(b, "upstream_peer_principal", r.destinationPrincipal());
        string(b, "traceparent", r.traceparent());
        string(b, "x_request_id", r.requestId());
        string(b, "user_agent", r.userAgent());
        JsonLine.close(b);
    }

    /** The JVM's one stdout writer, started on first use and drained at exit. */
    private static final class Stdout {
        static final AccessLogWriter<RequestRecord> WRITER = AccessLogWriter.toStdout(AccessLog::appendTo);
    }
}
