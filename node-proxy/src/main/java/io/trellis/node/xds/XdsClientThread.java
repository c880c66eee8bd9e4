package io.trellis.node.xds;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The single thread a {@link WorkloadXdsClient} and its gRPC callbacks run on, and the order in which it stops.
 *
 * <p>gRPC hands every received message to this thread as a queued task that owns the message's network buffer; the
 * task releases it when it runs, even on a cancelled call. Dropping queued tasks ({@code shutdownNow()}) leaks
 * those buffers, and a task gRPC queues after the thread stopped is refused on the transport's event loop. So
 * {@link #stop} first closes the client, then waits for the channel to terminate (no more callbacks), then lets
 * the thread run what is queued.
 */
public final class XdsClientThread {

    private XdsClientThread() {}

    /** A daemon thread named {@code name}; a pending reconnect delay does not hold up its shutdown. */
    public static ScheduledExecutorService start(String name) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon().factory());
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * Closes {@code client}, shuts {@code channel} down and stops {@code executor}, each within {@code grace}.
     * Interrupts are kept for the caller.
     */
    public static void stop(WorkloadXdsClient client, ManagedChannel channel, ScheduledExecutorService executor,
                            Duration grace) {
        boolean interrupted = false;
        client.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
