package io.trellis.install.lab;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stops one process by its handle: a polite SIGTERM, then SIGKILL after a grace period. */
final class ProcessStopper {

    /** Long enough for a proxy to drain a test's connections, short enough for a snappy teardown. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(ProcessStopper.class);

    private ProcessStopper() {}

    /** Returns true if the process is gone afterwards. */
    static boolean stop(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy();
        if (awaitExit(handle, grace)) {
            log.info("event=process_stopped pid={} signal=TERM", handle.pid());
            return true;
        }
        handle.destroyForcibly();
        boolean gone = awaitExit(handle, Duration.ofSeconds(5));
        log.warn("event=process_killed pid={} grace_ms={} gone={}", handle.pid(), grace.toMillis(), gone);
        return gone;
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        } catch (ExecutionException e) {
            return !handle.isAlive();
        }
    }
}
