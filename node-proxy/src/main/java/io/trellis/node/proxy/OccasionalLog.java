package io.trellis.node.proxy;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Decides when a repeating event is worth a log line: the first time per key, then at most once per
 * interval with how many were left out. A flood of 10,000 refused connections becomes a line a
 * minute, not 10,000 lines (the metrics count every one).
 */
final class OccasionalLog {

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    OccasionalLog(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Whether to log this occurrence of {@code key}: -1 for no; otherwise how many occurrences were
     * suppressed since the last line (0 for the first).
     */
    long admit(String key) {
        long now = nanoTime.getAsLong();
        Window w = windows.computeIfAbsent(key, k -> new Window(now - intervalNanos));
        long next = w.next.get();
        if (now - next >= 0 && w.next.compareAndSet(next, now + intervalNanos)) {
            return w.suppressed.getAndSet(0);
        }
        w.suppressed.incrementAndGet();
        return -1;
    }

    /** Forgets a key (its pod is gone), so the map does not grow with pod churn. */
    void forget(String keyPrefix) {
        windows.keySet().removeIf(k -> k.startsWith(keyPrefix));
    }

    private static final class Window {
        final AtomicLong next;
        final AtomicLong suppressed = new AtomicLong();

        Window(long next) {
            this.next = new AtomicLong(next);
        }
    }
}
