package io.trellis.controller.xds;

import java.time.Duration;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Folds bursts of changes into one push: fires once no change came for {@code quiet}, or {@code maxDelay} after
 * the first change of the burst at the latest (so a steady trickle of changes cannot delay pushes forever).
 * The action gets the time of the burst's first change, and runs on the scheduler, never twice at once.
 */
public final class Debouncer {

    /** Default quiet period: long enough to fold a rolling update's pod events, short enough to feel instant. */
    public static final Duration DEFAULT_QUIET = Duration.ofMillis(100);
    /** Default upper bound on how long a change may wait. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1);

    private final TaskScheduler scheduler;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final LongConsumer action;
    private boolean pending;
    private long firstNanos;
    private long lastNanos;
    private TaskScheduler.@Nullable Cancellable timer;

    public Debouncer(TaskScheduler scheduler, Duration quiet, Duration maxDelay, LongConsumer action) {
        if (quiet.isNegative() || maxDelay.compareTo(quiet) < 0) {
            throw new IllegalArgumentException("debounce needs 0 <= quiet (" + quiet + ") <= max delay ("
                    + maxDelay + ")");
        }
        this.scheduler = scheduler;
        this.quietNanos = quiet.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
        this.action = action;
    }

    /** Notes a change. Thread-safe. */
    public synchronized void trigger() {
        long now = scheduler.nanoTime();
        lastNanos = now;
        if (!pending) {
            pending = true;
            firstNanos = now;
            timer = scheduler.schedule(this::check, Duration.ofNanos(quietNanos));
        }
    }

    private void check() {
        long first;
        synchronized (this) {
            long now = scheduler.nanoTime();
            long quietEnds = lastNanos + quietNanos;
            long deadline = firstNanos + maxDelayNanos;
            if (now < quietEnds && now < deadline) {
                timer = scheduler.schedule(this::check, Duration.ofNanos(Math.min(quietEnds, deadline) - now));
                return;
            }
            pending = false;
            timer = null;
            first = firstNanos;
        }
        action.accept(first);
    }

    /** Drops a pending change. */
    public synchronized void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        pending = false;
    }
}
