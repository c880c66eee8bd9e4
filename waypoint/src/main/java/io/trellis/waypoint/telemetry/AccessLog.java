package io.trellis.waypoint.telemetry;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
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

    /** Records that may wait for the writer before new lines are dropped (as the old async appender's queue). */
    private static final int QUEUE = 8192;
    /**
     * After a write the writer pauses this long, so that under load a wake-up writes several lines: at
     * 1,000 requests/s, 10 ms gives ~10 lines per wake-up and write(2) (2 ms gave ~2, and the write was a
     * third of the log's CPU). Lines appear at most this much later; the queue holds 800 ms of 10,000/s.
     */
    private static final long LINGER_NANOS = 10_000_000;

    private final @Nullable Consumer<String> sink;
    private final @Nullable AccessLogWriter writer;

    /** An access log writing each line to {@code sink} on the caller's thread (tests, or a dedicated file writer). */
    public AccessLog(Consumer<String> sink) {
        this.sink = sink;
        this.writer = null;
    }

    private AccessLog(AccessLogWriter writer) {
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
        b.append("{\"start_time\":\"");
        clock.append(b, r.startEpochMillis());
        b.append("\",");
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
        b.append('}');
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
        int n = value.length();
        int clean = 0;
        while (clean < n) {
            char c = value.charAt(clean);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            clean++;
        }
        // Most values need no escaping: append them in one copy.
        if (clean == n) {
            b.append(value);
        } else {
            b.append(value, 0, clean);
        }
        for (int i = clean; i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append("\",");
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The JVM's one stdout writer, started on first use and drained at exit. */
    private static final class Stdout {
        static final AccessLogWriter WRITER = start();

        private static AccessLogWriter start() {
            AccessLogWriter w = new AccessLogWriter(new FileOutputStream(FileDescriptor.out), QUEUE, LINGER_NANOS,
                    "trellis-access-log");
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("trellis-access-log-drain").unstarted(w::close));
            return w;
        }
    }
}
