package io.trellis.node.state;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link MeshState}. One writer (the xDS client) publishes whole snapshots; any thread reads
 * {@link #current()} without locking. Listeners (certificate prefetch, load-balancer bookkeeping) are told of each
 * new snapshot on the writer's thread and must not block.
 */
public final class MeshStore {

    private static final Logger LOG = LoggerFactory.getLogger(MeshStore.class);

    private volatile MeshState current = MeshState.EMPTY;
    private final List<Consumer<MeshState>> listeners = new CopyOnWriteArrayList<>();

    public MeshState current() {
        return current;
    }

    public void publish(MeshState next) {
        current = next;
        for (Consumer<MeshState> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("event=mesh_listener_failed listener={} error=\"{}\"", l, e.toString());
            }
        }
    }

    public void addListener(Consumer<MeshState> listener) {
        listeners.add(listener);
    }
}
