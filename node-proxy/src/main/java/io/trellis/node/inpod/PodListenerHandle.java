package io.trellis.node.inpod;

/** The open listeners of one pod; closing stops accepting (established connections are left alone). */
public interface PodListenerHandle extends AutoCloseable {

    /**
     * The first step of a graceful stop: no new connections, but everything the pod's established connections use
     * (its upstream connection pool) stays until {@link #close()}. The default has nothing to keep and closes.
     */
    default void stopAccepting() {
        close();
    }

    @Override
    void close();
}
