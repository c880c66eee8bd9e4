package io.trellis.waypoint.telemetry;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.trellis.waypoint.resilience.AttemptOutcome;
import org.jspecify.annotations.Nullable;

/**
 * The spans of one request: the server span (downstream request to response) and a client span
 * per upstream attempt, a child of the server span, numbered like the retries. Attribute names
 * follow the OpenTelemetry HTTP semantic conventions, plus Envoy/Istio's {@code response_flags},
 * {@code upstream_cluster} and {@code istio.*} destination tags.
 *
 * <p>Owned by the request's event loop: not thread-safe. {@link #NOOP} does nothing.
 */
public final class RequestTrace {

    /** The trace of every request when tracing is off. */
    public static final RequestTrace NOOP = new RequestTrace(null, null, "");

    private final @Nullable Tracer tracer;
    private final @Nullable Span server;
    private final String method;
    private @Nullable Span attempt;

    RequestTrace(@Nullable Tracer tracer, @Nullable Span server, String method) {
        this.tracer = tracer;
        this.server = server;
        this.method = method;
    }

    /**
     * An upstream attempt begins (before its tunnel is open, so the span covers connecting).
     *
     * @param number 1 for the first try, 2 for the first retry, ...
     * @param endpoint the endpoint {@code ip:port}
     * @param protocolVersion the upstream protocol, {@code 1.1} or {@code 2}
     */
    public void attemptStarted(int number, String endpoint, String cluster, String protocolVersion) {
        Tracer t = tracer;
        Span parent = server;
        if (t == null || parent == null) {
            return;
        }
        endAttempt(null); // defensive: a span is never left open behind a new one
        int colon = endpoint.lastIndexOf(':');
        var b = t.spanBuilder(method).setParent(Context.root().with(parent)).setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", method)
                .setAttribute("server.address", colon < 0 ? endpoint : endpoint.substring(0, colon))
                .setAttribute("network.protocol.version", protocolVersion)
                .setAttribute("upstream_cluster", cluster)
                .setAttribute("trellis.attempt", number);
        if (colon >= 0) {
            try {
                b.setAttribute("server.port", Long.parseLong(endpoint.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // not ip:port; the address alone is still useful
            }
        }
        if (number > 1) {
            b.setAttribute("http.request.resend_count", number - 1);
        }
        attempt = b.startSpan();
    }

    /** Writes the current attempt's context into the upstream request headers (W3C and B3). */
    public void inject(HttpHeaders upstreamHeaders) {
        Span a = attempt;
        if (a != null) {
            Tracing.PROPAGATOR.inject(Context.root().with(a), upstreamHeaders, Tracing.SETTER);
        }
    }

    /** The current attempt ended with {@code outcome}; null when it was abandoned (client gone, request over). */
    public void attemptEnded(@Nullable AttemptOutcome outcome) {
        endAttempt(outcome);
    }

    private void endAttempt(@Nullable AttemptOutcome outcome) {
        Span a = attempt;
        if (a == null) {
            return;
        }
        attempt = null;
        switch (outcome) {
            case null -> a.setAttribute("error.type", "cancelled");
            case AttemptOutcome.Response r -> {
                a.setAttribute("http.response.status_code", r.status());
                if (r.grpcStatus() != null) {
                    a.setAttribute("rpc.grpc.status_code", r.grpcStatus());
                }
                if (r.status() >= 400) {
                    a.setAttribute("error.type", Integer.toString(r.status()));
                    a.setStatus(StatusCode.ERROR);
                }
            }
            case AttemptOutcome.ConnectFailure c -> failed(a, "connect_failure");
            case AttemptOutcome.Reset r -> failed(a, r.refusedStream() ? "refused_stream" : "reset");
            case AttemptOutcome.PerTryTimeout t -> failed(a, "timeout");
        }
        a.end();
    }

    private static void failed(Span a, String type) {
        a.setAttribute("error.type", type);
        a.setStatus(StatusCode.ERROR);
    }

    /** The request is over: records what was answered and ends the server span. */
    public void finish(RequestRecord r) {
        Span s = server;
        if (s == null) {
            return;
        }
        endAttempt(null);
        if (r.status() > 0) {
            s.setAttribute("http.response.status_code", r.status());
        }
        s.setAttribute("response_flags", r.flags());
        s.setAttribute("client.address", r.source().address());
        s.setAttribute("istio.destination_service", r.destinationService());
        s.setAttribute("istio.destination_namespace", r.destinationNamespace());
        setIfPresent(s, "upstream_cluster", r.upstreamCluster());
        setIfPresent(s, "route_name", r.route());
        setIfPresent(s, "istio.destination_principal", r.destinationPrincipal());
        setIfPresent(s, "istio.source_principal", r.source().principal());
        setIfPresent(s, "guid:x-request-id", r.requestId());
        if (r.grpcStatus() != null) {
            s.setAttribute("rpc.grpc.status_code", r.grpcStatus());
        }
        if (r.status() >= 500 || r.status() == 0) {
            s.setAttribute("error.type", r.status() == 0 ? r.detail() : Integer.toString(r.status()));
            s.setStatus(StatusCode.ERROR);
        }
        s.end();
    }

    private static void setIfPresent(Span s, String key, @Nullable String value) {
        if (value != null) {
            s.setAttribute(key, value);
        }
    }

    static String host(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(1, end);
        }
        int colon = authority.indexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }
}
