package io.trellis.node.metrics;

import static io.trellis.proxy.core.telemetry.JsonLine.number;
import static io.trellis.proxy.core.telemetry.JsonLine.string;

import io.trellis.proxy.core.telemetry.AccessLogWriter;
import io.trellis.proxy.core.telemetry.IsoMillis;
import io.trellis.proxy.core.telemetry.JsonLine;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per connection. A product feature, not debug output: field names are stable. The standard log
 * ({@link #toStdout()}) goes to stdout, switched by logger {@value #LOGGER}'s level
 * ({@code TRELLIS_ACCESS_LOG_LEVEL=OFF} turns it off), and is formatted and written by a background thread: the
 * event loop that finishes a connection only queues its record, and a full queue drops records (counted and
 * reported on the event log) rather than stall traffic.
 */
public final class AccessLog {

    /** The logger whose level (INFO or OFF) switches the standard access log. */
    public static final String LOGGER = "trellis.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final @Nullable Consumer<String> sink;
    private final @Nullable AccessLogWriter<AccessRecord> writer;

    /** An access log writing each line to {@code sink} on the caller's thread (tests, or a dedicated file writer). */
    public AccessLog(Consumer<String> sink) {
        this.sink = sink;
        this.writer = null;
    }

    private AccessLog(AccessLogWriter<AccessRecord> writer) {
        this.sink = null;
        this.writer = writer;
    }

    /** The standard access log: stdout, one writer thread per process. */
    public static AccessLog toStdout() {
        return new AccessLog(Stdout.WRITER);
    }

    /** Writes the line for {@code r} (skipped cheaply when the logger is off). */
    public void log(AccessRecord r) {
        if (writer != null) {
            if (LOG.isInfoEnabled()) {
                writer.offer(r);
            }
            return;
        }
        Objects.requireNonNull(sink).accept(format(r));
    }

    /** The JSON object for {@code r}, on one line. */
    public static String format(AccessRecord r) {
        StringBuilder b = new StringBuilder(768);
        appendTo(b, r, new IsoMillis());
        return b.toString();
    }

    /** Appends the JSON object for {@code r} to {@code b}; {@code clock} formats the start time (milliseconds). */
    static void appendTo(StringBuilder b, AccessRecord r, IsoMillis clock) {
        ConnectionLabels l = r.labels();
        JsonLine.open(b);
        b.append("\"start_time\":\"");
        clock.append(b, r.start().toEpochMilli());
        b.append("\",");
        number(b, "duration_ms", r.duration().toMillis());
        string(b, "reporter", l.reporter());
        string(b, "protocol", l.requestProtocol());
        string(b, "client_address", address(r.client()));
        string(b, "destination_address", address(r.destination()));
        string(b, "upstream_address", r.upstream() == null ? null : address(r.upstream()));
        string(b, "source_workload", l.sourceWorkload());
        string(b, "source_namespace", l.sourceWorkloadNamespace());
        string(b, "source_principal", l.sourcePrincipal());
        string(b, "destination_workload", l.destinationWorkload());
        string(b, "destination_namespace", l.destinationWorkloadNamespace());
        string(b, "destination_principal", l.destinationPrincipal());
        string(b, "destination_service", l.destinationService());
        string(b, "connection_security_policy", l.connectionSecurityPolicy());
        number(b, "bytes_received", r.requestBytes());
        number(b, "bytes_sent", r.responseBytes());
        string(b, "response_flags", l.responseFlags());
        if (r.authz() != null) {
            string(b, "authz", r.authz().allowed() ? "allow" : "deny");
            string(b, "authz_reason", r.authz().reasonLabel());
            string(b, "authz_policy", r.authz().policy());
        }
        string(b, "error", r.error());
        JsonLine.close(b);
    }

    /** {@code ip:port}, {@code [ipv6]:port}, or {@code host:port} for an unresolved address. */
    private static String address(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            return a.getHostString() + ":" + a.getPort();
        }
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + a.getPort();
    }

    /** The process's one stdout writer, started on first use and drained at exit. */
    private static final class Stdout {
        static final AccessLogWriter<AccessRecord> WRITER = AccessLogWriter.toStdout(AccessLog::appendTo);
    }
}
