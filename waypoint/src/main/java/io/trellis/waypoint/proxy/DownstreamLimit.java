package io.trellis.waypoint.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound on tunnels a waypoint holds at once ({@link ProxySettings#maxDownstreamConnections}).
 * Each open tunnel costs buffers and codec state; past the bound a new one is refused on its
 * CONNECT (503, counted as {@value #REFUSED_METRIC}) so overload is a number on a dashboard, never
 * an out-of-memory error. Thread-safe: tunnels open and close on every event loop.
 */
final class DownstreamLimit {

    /** Tunnels refused because the waypoint was at its limit. */
    static final String REFUSED_METRIC = "trellis_waypoint_downstream_connections_refused_total";
    /** Tunnels open now. */
    static final String OPEN_METRIC = "trellis_waypoint_downstream_connections";

    private static final Logger LOG = LoggerFactory.getLogger(DownstreamLimit.class);

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refusedTotal = new AtomicLong();
    private final Counter refused;

    DownstreamLimit(int max, MeterRegistry registry) {
        this.max = max;
        this.refused = Counter.builder(REFUSED_METRIC)
                .description("Downstream tunnels refused because the waypoint held its maximum").register(registry);
        Gauge.builder(OPEN_METRIC, open, AtomicInteger::get).description("Downstream tunnels open")
                .register(registry);
    }

    int max() {
        return max;
    }

    int open() {
        return open.get();
    }

    /** Takes a slot for a new tunnel; false (and counted) when all are taken. */
    boolean tryOpen() {
        for (;;) {
            int n = open.get();
            if (n >= max) {
                refused.increment();
                long total = refusedTotal.incrementAndGet();
                // One line at the first refusal and then at powers of two: visible, but a flood cannot flood the log.
                if (Long.bitCount(total) == 1) {
                    LOG.warn("event=downstream_connection_refused reason=limit max={} refused_total={}", max, total);
                }
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** A tunnel that {@link #tryOpen} admitted has closed. */
    void closed() {
        open.decrementAndGet();
    }
}
