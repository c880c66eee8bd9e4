package io.trellis.node.inpod;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the enrollment socket only once the node-proxy can route: until its first complete config is in, a new
 * process leaves the socket (and so the node agent and every pod) with the process that can.
 *
 * <p>Why it matters: during an upgrade the node agent moves all pods to whichever process binds the socket, and a
 * pod's listeners take traffic from the moment they are open. A process without config would send that traffic to
 * the wrong place (a service VIP it does not know would be passed through to nowhere, a mesh pod reached without
 * mTLS). After a crash nothing is lost by waiting either: without config there is nothing to serve.
 */
public final class GatedEnrollmentServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatedEnrollmentServer.class);

    private final Path path;
    private final SeqpacketSockets sockets;
    private final NetnsOps netnsOps;
    private final InPodRegistry registry;
    private final BooleanSupplier ready;
    private @Nullable ScheduledFuture<?> check; // guarded by this
    private @Nullable EnrollmentServer server;  // guarded by this
    private boolean closed;                     // guarded by this

    private GatedEnrollmentServer(Path path, SeqpacketSockets sockets, NetnsOps netnsOps, InPodRegistry registry,
            BooleanSupplier ready) {
        this.path = path;
        this.sockets = sockets;
        this.netnsOps = netnsOps;
        this.registry = registry;
        this.ready = ready;
    }

    /**
     * Checks {@code ready} every {@code interval} on {@code executor} and starts the {@link EnrollmentServer} the first
     * time it holds. A failing bind is logged and retried on the next check.
     */
    public static GatedEnrollmentServer start(Path path, SeqpacketSockets sockets, NetnsOps netnsOps,
            InPodRegistry registry, BooleanSupplier ready, ScheduledExecutorService executor, Duration interval) {
        GatedEnrollmentServer g = new GatedEnrollmentServer(path, sockets, netnsOps, registry, ready);
        log.info("event=enrollment_deferred path={} reason=\"binds once the first complete config is in\"", path);
        synchronized (g) {
            g.check = executor.scheduleWithFixedDelay(g::tryStart, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return g;
    }

    /** Whether the socket is bound and serving. */
    public synchronized boolean serving() {
        return server != null;
    }

    private synchronized void tryStart() {
        if (closed || server != null || !ready.getAsBoolean()) {
            return;
        }
        try {
            server = EnrollmentServer.start(path, sockets, netnsOps, registry);
        } catch (NativeCallException e) {
            log.warn("event=enrollment_bind_failed path={} error=\"{}\" (retried)", path, e.getMessage());
            return;
        }
        if (check != null) {
            check.cancel(false);
        }
    }

    @Override
    public void close() {
        EnrollmentServer s;
        synchronized (this) {
            closed = true;
            if (check != null) {
                check.cancel(false);
            }
            s = server;
            server = null;
        }
        if (s != null) {
            s.close();
        }
    }
}
