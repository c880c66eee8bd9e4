package io.trellis.node.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per connection on the {@value #LOGGER} logger (route it to its own appender, preferably async,
 * in the logging config). A product feature, not debug output: field names are stable.
 */
public final class AccessLog {

    public static final String LOGGER = "trellis.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final JsonFactory JSON = new JsonFactory();

    /** Writes the record at INFO, unless the access logger is off. */
    public void log(AccessRecord r) {
        if (LOG.isInfoEnabled()) {
            LOG.info(toJson(r));
        }
    }

    static String toJson(AccessRecord r) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            ConnectionLabels l = r.labels();
            g.writeStartObject();
            g.writeStringField("start_time", r.start().toString());
            g.writeNumberField("duration_ms", r.duration().toMillis());
            g.writeStringField("reporter", l.reporter());
            g.writeStringField("protocol", l.requestProtocol());
            g.writeStringField("client_address", address(r.client()));
            g.writeStringField("destination_address", address(r.destination()));
            g.writeStringField("upstream_address", r.upstream() == null ? null : address(r.upstream()));
            g.writeStringField("source_workload", l.sourceWorkload());
            g.writeStringField("source_namespace", l.sourceWorkloadNamespace());
            g.writeStringField("source_principal", l.sourcePrincipal());
            g.writeStringField("destination_workload", l.destinationWorkload());
            g.writeStringField("destination_namespace", l.destinationWorkloadNamespace());
            g.writeStringField("destination_principal", l.destinationPrincipal());
            g.writeStringField("destination_service", l.destinationService());
            g.writeStringField("connection_security_policy", l.connectionSecurityPolicy());
            g.writeNumberField("bytes_received", r.requestBytes());
            g.writeNumberField("bytes_sent", r.responseBytes());
            g.writeStringField("response_flags", l.responseFlags());
            if (r.authz() != null) {
                g.writeStringField("authz", r.authz().allowed() ? "allow" : "deny");
                g.writeStringField("authz_reason", r.authz().reasonLabel());
                g.writeStringField("authz_policy", r.authz().policy());
            }
            g.writeStringField("error", r.error());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string cannot fail", e);
        }
        return out.toString();
    }

    private static @Nullable String address(InetSocketAddress a) {
        return a.getAddress() == null ? a.getHostString() + ":" + a.getPort()
                : (a.getAddress() instanceof java.net.Inet6Address ? "[" + a.getAddress().getHostAddress() + "]"
                        : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }
}
