package io.trellis.e2e;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling it; the orchestrator's only way to wait (processes it starts report nothing). */
public final class Poll {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    private Poll() {
    }

    /** Polls {@code condition} until it holds; throws {@link MeshException.Timeout} naming {@code what} after {@code limit}. */
    public static void until(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new MeshException.Timeout("timed out after " + limit.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MeshException.Timeout("interrupted while waiting for " + what);
            }
        }
    }
}
