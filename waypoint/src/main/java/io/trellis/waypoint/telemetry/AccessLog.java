package io.trellis.waypoint.telemetry;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on logger {@code trellis.access}, with Envoy's access-log field names
 * where one exists so existing log pipelines can parse it.
 */
public final class AccessLog {

    /** The logger name operators route to a file or collector. */
    public static final String LOGGER = "trellis.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final java.util.function.Consumer<String> sink;
    private final boolean toLogger;

    /** An access log writing each line to {@code sink} (tests, or a dedicated file writer). */
    public AccessLog(java.util.function.Consumer<String> sink) {
        this(sink, false);
    }

    private AccessLog(java.util.function.Consumer<String> sink, boolean toLogger) {
        this.sink = sink;
        this.toLogger = toLogger;
    }

    /** The standard access log: INFO lines on logger {@value #LOGGER}. */
    public static AccessLog toLogger() {
        return new AccessLog(LOG::info, true);
    }

    /** Writes the line for {@code r} (skipped cheaply when the logger is off). */
    public void log(RequestRecord r) {
        if (toLogger && !LOG.isInfoEnabled()) {
            return;
        }
        sink.accept(format(r));
    }

    /** The JSON object for {@code r}, on one line. */
    public static String format(RequestRecord r) {
        StringBuilder b = new StringBuilder(512).append('{');
        field(b, "start_time", Instant.ofEpochMilli(r.startEpochMillis()).toString());
        field(b, "method", r.method());
        field(b, "path", r.path());
        field(b, "authority", r.authority());
        field(b, "protocol", r.downstreamProtocol());
        field(b, "request_protocol", r.requestProtocol());
        number(b, "response_code", r.status());
        field(b, "response_flags", r.flags());
        field(b, "response_code_details", r.detail());
        if (r.grpcStatus() != null) {
            number(b, "grpc_status", r.grpcStatus());
        }
        number(b, "bytes_received", r.requestBytes());
        number(b, "bytes_sent", r.responseBytes());
        number(b, "duration", r.durationNanos() / 1_000_000);
        number(b, "upstream_attempts", r.attempts());
        field(b, "upstream_host", r.upstreamHost());
        field(b, "upstream_cluster", r.upstreamCluster());
        field(b, "route_name", r.route());
        field(b, "downstream_peer_principal", r.source().principal());
        field(b, "downstream_remote_address", r.source().address());
        field(b, "source_workload", r.source().workload());
        field(b, "source_namespace", r.source().namespace());
        field(b, "destination_service", r.destinationService());
        field(b, "destination_namespace", r.destinationNamespace());
        field(b, "destination_workload", r.destinationWorkload().name());
        field(b, "destination_workload_namespace", r.destinationWorkload().namespace());
        field(b, "destination_app", r.destinationWorkload().app());
        field(b, "destination_version", r.destinationWorkload().version());
        field(b, "upstream_peer_principal", r.destinationPrincipal());
        field(b, "traceparent", r.traceparent());
        field(b, "x_request_id", r.requestId());
        field(b, "user_agent", r.userAgent());
        b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private static void number(StringBuilder b, String name, long value) {
        b.append('"').append(name).append("\":").append(value).append(',');
    }

    private static void field(StringBuilder b, String name, @Nullable String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null,");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append("\",");
    }
}
