package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Each event loop's HTTP/2 (h2c inside HBONE) upstream connection per endpoint and identity:
 * attempts open streams on it instead of a tunnel each. A connection leaves the map when it
 * closes or refuses a new stream; it closes itself after a minute without streams.
 */
final class SharedH2Upstreams {

    private static final FastThreadLocal<Map<String, Http2StreamChannel>> BY_LOOP = new FastThreadLocal<>() {
        @Override
        protected Map<String, Http2StreamChannel> initialValue() {
            return new HashMap<>();
        }
    };

    private SharedH2Upstreams() {}

    /** The calling loop's live connection for {@code key}, or null. */
    static @Nullable Http2StreamChannel take(String key) {
        Map<String, Http2StreamChannel> map = BY_LOOP.get();
        Http2StreamChannel t = map.get(key);
        if (t != null && !t.isActive()) {
            map.remove(key);
            return null;
        }
        return t;
    }

    /** Makes {@code tunnel} the calling loop's connection for {@code key}. */
    static void offer(String key, Http2StreamChannel tunnel) {
        if (tunnel.isActive()) {
            BY_LOOP.get().put(key, tunnel);
        }
    }

    /** Forgets {@code tunnel} (it refused a stream or is going away). */
    static void remove(String key, Http2StreamChannel tunnel) {
        BY_LOOP.get().remove(key, tunnel);
    }
}
