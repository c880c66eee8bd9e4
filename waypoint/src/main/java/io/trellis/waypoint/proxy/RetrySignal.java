package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.waypoint.resilience.RetryPushback;

/**
 * The retry-exhausted signal on response heads, so that in a chain of retrying waypoints only the
 * layer directly above a failure retries it (the SRE practice; Envoy's {@code x-envoy-overloaded}
 * and gRPC's negative {@code grpc-retry-pushback-ms} are the same idea).
 *
 * <p>A waypoint that gives up on a request after retrying it (attempts used up, or its retry budget
 * or retry breaker denied the retry), or that sheds it with a circuit breaker, marks the response
 * {@value #EXHAUSTED_HEADER}{@code : true}; on a gRPC response it also sets
 * {@value #GRPC_PUSHBACK}{@code : -1}, which gRPC clients with a retry policy (grpc-java, grpc-go)
 * read as "do not retry". A waypoint receiving either does not retry and passes the mark on. The
 * mark crosses an application only if the application copies it onto its own response, as an
 * RPC framework propagates an "overloaded, do not retry" status; between waypoints and gateways it
 * travels by itself.
 *
 * <p>With the signal off ({@link ProxySettings#retryExhaustedSignal()}), the waypoint neither
 * marks nor honours marks, and passes them through untouched; server delays ({@value #GRPC_PUSHBACK}
 * of zero or more, {@code Retry-After} on a 503) are honoured either way.
 */
public final class RetrySignal {

    /** The response header a waypoint sets when it gave up retrying; its only valid value is {@code true}. */
    public static final String EXHAUSTED_HEADER = "x-trellis-retry-exhausted";
    /** gRFC A6 server pushback: milliseconds to wait before a retry; negative means do not retry. */
    public static final String GRPC_PUSHBACK = "grpc-retry-pushback-ms";

    private RetrySignal() {}

    /** What the upstream's response head {@code h} with {@code status} says about retrying it. */
    static RetryPushback read(HttpHeaders h, int status, boolean enabled) {
        return RetryPushback.of(status, h.get(EXHAUSTED_HEADER), h.get(GRPC_PUSHBACK), h.get(HttpHeaderNames.RETRY_AFTER),
                enabled);
    }

    /**
     * Fixes the signal on a response head going downstream: marked if {@code exhausted}; otherwise an
     * upstream mark is kept only in its valid form ({@code true}), so callers further up never act
     * on a value this waypoint did not honour. No-op when the signal is off.
     */
    static void apply(HttpHeaders h, boolean exhausted, boolean grpc, boolean enabled) {
        if (!enabled) {
            return;
        }
        if (exhausted) {
            h.set(EXHAUSTED_HEADER, "true");
            if (grpc) {
                h.set(GRPC_PUSHBACK, "-1");
            }
            return;
        }
        String mark = h.get(EXHAUSTED_HEADER);
        if (mark != null && !mark.trim().equalsIgnoreCase("true")) {
            h.remove(EXHAUSTED_HEADER);
        }
    }
}
