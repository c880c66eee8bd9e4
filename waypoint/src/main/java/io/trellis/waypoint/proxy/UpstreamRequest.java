package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.trellis.waypoint.telemetry.RequestTrace;
import org.jspecify.annotations.Nullable;

/**
 * The request side of an exchange: the planned upstream head, the body as it arrives from the
 * client (kept for retries and mirrors while it fits, {@link RequestBody}), and moving both to the
 * current attempt while it is writable, asking the client for more body within a read-ahead
 * window. Owned by the exchange's event loop.
 */
final class UpstreamRequest {

    /** Request body bytes read ahead of what the upstream has taken: one HTTP/2 window. */
    private static final int READ_AHEAD = 64 * 1024;

    private final RequestBody body;
    private final boolean bodyExpected;
    private @Nullable HttpRequest head;

    /**
     * @param bodyExpected whether the request has a body (HTTP/1.1: a length or chunked; HTTP/2: no
     *     END_STREAM on the headers)
     */
    UpstreamRequest(int replayLimit, boolean bodyExpected) {
        this.body = new RequestBody(replayLimit);
        this.bodyExpected = bodyExpected;
    }

    /** The head to send upstream (once planned); attempts and mirrors start from it. */
    void planned(HttpRequest upstreamHead) {
        head = upstreamHead;
    }

    /** The planned head, or null before planning (or when the exchange answered locally). */
    @Nullable HttpRequest head() {
        return head;
    }

    RequestBody body() {
        return body;
    }

    /** Takes a piece of body from the client. */
    void add(HttpContent content) {
        body.add(content);
    }

    /** Whether the request has a body at all. */
    boolean bodyExpected() {
        return bodyExpected;
    }

    /** Whether the client has sent its whole request (a bodiless request is done with its head). */
    boolean done() {
        return body.complete() || !bodyExpected;
    }

    /**
     * Writes the head to {@code a} without flushing. The HTTP/1.1 encoder only reads a head, so the
     * planned one goes as it is; tracing (this attempt's span) and the HTTP/2 conversion (its scheme
     * header) change headers, so they get a copy and a retry or mirror still starts from the plan.
     */
    void writeHead(UpstreamAttempt a, RequestTrace trace) {
        HttpRequest h = head;
        if (h == null) {
            throw new IllegalStateException("no planned head to send");
        }
        if (a.isHttp2() || trace != RequestTrace.NOOP) {
            HttpHeaders headers = h.headers().copy();
            trace.inject(headers);
            h = new DefaultHttpRequest(h.protocolVersion(), h.method(), h.uri(), headers);
        }
        a.write(h, false);
    }

    /**
     * Moves body to {@code a} (null or not {@code ready}: no attempt to take it now) while it is
     * writable, and asks {@code down} for more while little is buffered.
     *
     * @return whether it wrote and flushed something upstream
     */
    boolean pump(@Nullable UpstreamAttempt a, boolean ready, Downstream down) {
        boolean wrote = false;
        if (a != null && ready) {
            while (a.isWritable()) {
                HttpContent next = body.next();
                if (next == null) {
                    break;
                }
                a.write(next, false);
                wrote = true;
            }
            if (wrote) {
                a.flush();
            }
        }
        if (!body.complete() && body.unsentBytes() < READ_AHEAD && (a == null || !ready || a.isWritable())) {
            down.requestMoreBody();
        }
        return wrote;
    }
}
