package io.trellis.waypoint.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The header-read deadlines of one waypoint's downstream tunnels, checked by one periodic sweep
 * instead of a timer per connection: arming and disarming a deadline is then two field writes on
 * the connection's loop, and thousands of slow clients cost one pass a tick. The clock is injected
 * so tests move time instead of waiting for it.
 */
final class HeaderDeadlines {

    /**
     * Counts tunnels closed for a late request head; label {@code protocol}: {@code HTTP/1.1},
     * {@code HTTP/2}, or {@code none} (no protocol yet: silent for the idle timeout, or a partial preface).
     */
    static final String TIMEOUTS_METRIC = "trellis_waypoint_downstream_header_timeouts_total";
    /** Tunnels whose client has begun a request head and not finished it: the slowloris gauge. */
    static final String PENDING_METRIC = "trellis_waypoint_downstream_request_heads_pending";

    private final long timeoutNanos;
    private final long idleNanos;
    private final LongSupplier nanoTime;
    private final Set<HeaderReadDeadline> live = ConcurrentHashMap.newKeySet();
    private final Counter http1;
    private final Counter http2;
    private final Counter none;

    /**
     * @param timeout the time a client has to send a request head once it began one
     * @param idleTimeout the time a new tunnel may stay silent before its first byte
     */
    HeaderDeadlines(Duration timeout, Duration idleTimeout, LongSupplier nanoTime, MeterRegistry registry) {
        this.timeoutNanos = timeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.nanoTime = nanoTime;
        this.http1 = counter(registry, "HTTP/1.1");
        this.http2 = counter(registry, "HTTP/2");
        this.none = counter(registry, "none");
        Gauge.builder(PENDING_METRIC, this, HeaderDeadlines::pending)
                .description("Downstream tunnels in the middle of sending a request head").register(registry);
    }

    private static Counter counter(MeterRegistry registry, String protocol) {
        return Counter.builder(TIMEOUTS_METRIC)
                .description("Downstream tunnels closed because a request head did not arrive within the header read timeout")
                .tag("protocol", protocol).register(registry);
    }

    /** How often the sweep should run: a quarter of the timeout, between 10 ms and 1 s. */
    Duration sweepInterval() {
        return Duration.ofNanos(Math.clamp(timeoutNanos / 4, 10_000_000L, 1_000_000_000L));
    }

    long now() {
        return nanoTime.getAsLong();
    }

    long headDeadlineFromNow() {
        return nanoTime.getAsLong() + timeoutNanos;
    }

    long idleDeadlineFromNow() {
        return nanoTime.getAsLong() + idleNanos;
    }

    void register(HeaderReadDeadline d) {
        live.add(d);
    }

    void unregister(HeaderReadDeadline d) {
        live.remove(d);
    }

    /** Tunnels whose client is in the middle of a request head now. */
    int pending() {
        int n = 0;
        for (HeaderReadDeadline d : live) {
            if (d.waitingForHead()) {
                n++;
            }
        }
        return n;
    }

    /** Expires every deadline that is due now; each expiry runs on its connection's loop. Any thread. */
    void sweep() {
        long now = nanoTime.getAsLong();
        for (HeaderReadDeadline d : live) {
            d.expireIfDue(now);
        }
    }

    void counted(String protocol) {
        switch (protocol) {
            case "HTTP/1.1" -> http1.increment();
            case "HTTP/2" -> http2.increment();
            default -> none.increment();
        }
    }
}
