package io.trellis.testkit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A single-threaded scheduled executor on a {@link MutableClock}: tasks run only when the test
 * calls {@link #advance} or {@link #runDue}, on the test's thread, in due-time order.
 */
public final class FakeScheduledExecutor extends AbstractExecutorService implements ScheduledExecutorService {

    private final MutableClock clock;
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
            Comparator.<Task<?>, Instant>comparing(t -> t.due).thenComparingLong(t -> t.sequence));
    private long sequence;
    private boolean shutdown;

    public FakeScheduledExecutor(MutableClock clock) {
        this.clock = clock;
    }

    /** Moves the clock forward by {@code duration}, running every task that falls due on the way, at its due time. */
    public void advance(Duration duration) {
        Instant target = clock.instant().plus(duration);
        while (true) {
            Task<?> next = queue.peek();
            if (next == null || next.due.isAfter(target)) {
                break;
            }
            queue.poll();
            if (next.due.isAfter(clock.instant())) {
                clock.set(next.due);
            }
            next.run();
        }
        clock.set(target);
    }

    /** Runs what is due now (including tasks those tasks schedule with no delay). */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public List<Instant> pendingDueTimes() {
        List<Instant> due = new ArrayList<>();
        for (Task<?> task : queue) {
            if (!task.isCancelled()) {
                due.add(task.due);
            }
        }
        due.sort(Comparator.naturalOrder());
        return due;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return schedule(() -> {
            command.run();
            return null;
        }, delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new RejectedExecutionException("fake executor is shut down");
        }
        Task<V> task = new Task<>(callable, clock.instant().plusNanos(unit.toNanos(Math.max(0, delay))), sequence++);
        queue.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("not needed by the code under test");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not needed by the code under test");
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        queue.clear();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    private final class Task<V> implements ScheduledFuture<V> {
        final Callable<V> callable;
        final Instant due;
        final long sequence;
        private boolean cancelled;
        private boolean done;
        private @Nullable V result;

        Task(Callable<V> callable, Instant due, long sequence) {
            this.callable = callable;
            this.due = due;
            this.sequence = sequence;
        }

        void run() {
            if (cancelled) {
                return;
            }
            try {
                result = callable.call();
            } catch (Exception e) {
                throw new AssertionError("scheduled task failed", e);
            }
            done = true;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), due));
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public @Nullable V get() {
            if (!done) {
                throw new IllegalStateException("the fake executor has not run this task");
            }
            return result;
        }

        @Override
        public @Nullable V get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
