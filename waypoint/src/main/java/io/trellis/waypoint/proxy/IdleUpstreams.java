package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Each event loop's idle HTTP/1.1 upstream tunnels, by endpoint and expected identity, so the next
 * request to the same endpoint skips the HBONE CONNECT round trip and the node-proxy's connect to
 * the application. Only tunnels whose previous exchange ended cleanly (request sent, response read
 * to the end, keep-alive) are kept; at most {@link #MAX_PER_KEY} per key, none older than
 * {@link #MAX_IDLE_NANOS}.
 */
final class IdleUpstreams {

    /** Enough for a busy loop's steady concurrency to one endpoint; more are closed, not kept. */
    static final int MAX_PER_KEY = 16;
    /** Below common application keep-alive timeouts (Node.js 5 s, Go's 90 s is longer), to avoid reusing a closing one. */
    static final long MAX_IDLE_NANOS = 4_000_000_000L;

    private record Idle(Http2StreamChannel tunnel, long since) {}

    private static final FastThreadLocal<Map<String, ArrayDeque<Idle>>> BY_LOOP = new FastThreadLocal<>() {
        @Override
        protected Map<String, ArrayDeque<Idle>> initialValue() {
            return new HashMap<>();
        }
    };

    private IdleUpstreams() {}

    static String key(String endpoint, String identity) {
        return endpoint + '|' + identity;
    }

    /** Keeps {@code tunnel} for reuse on the calling loop, or closes it when the key is full. */
    static void offer(String key, Http2StreamChannel tunnel, long now) {
        Map<String, ArrayDeque<Idle>> map = BY_LOOP.get();
        ArrayDeque<Idle> q = map.computeIfAbsent(key, k -> new ArrayDeque<>(4));
        purge(q, now);
        if (q.size() >= MAX_PER_KEY || !tunnel.isActive()) {
            tunnel.close();
            return;
        }
        q.addLast(new Idle(tunnel, now));
    }

    /** A live idle tunnel for {@code key} (most recently used first), or null. */
    static @Nullable Http2StreamChannel take(String key, long now) {
        ArrayDeque<Idle> q = BY_LOOP.get().get(key);
        if (q == null) {
            return null;
        }
        purge(q, now);
        Idle idle = q.pollLast();
        return idle == null ? null : idle.tunnel;
    }

    private static void purge(ArrayDeque<Idle> q, long now) {
        for (Iterator<Idle> it = q.iterator(); it.hasNext(); ) {
            Idle idle = it.next();
            if (!idle.tunnel.isActive() || now - idle.since > MAX_IDLE_NANOS) {
                idle.tunnel.close();
                it.remove();
            }
        }
    }
}
