package io.trellis.controller.xds;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time and delayed tasks for the push pipeline: the real one wraps a single-threaded scheduled executor, tests
 * use a manual one. Tasks must run one at a time.
 */
public interface TaskScheduler {

    long nanoTime();

    /** Runs {@code task} after {@code delay}; the returned handle cancels it. */
    Cancellable schedule(Runnable task, Duration delay);

    interface Cancellable {
        void cancel();
    }

    /** A scheduler on a single-threaded executor and {@link System#nanoTime()}. */
    static TaskScheduler of(ScheduledExecutorService executor) {
        return new TaskScheduler() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Cancellable schedule(Runnable task, Duration delay) {
                ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }
        };
    }
}
