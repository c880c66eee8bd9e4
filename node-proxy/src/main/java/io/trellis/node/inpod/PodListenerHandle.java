package io.trellis.node.inpod;

/** The open listeners of one pod; closing stops accepting (established connections are left alone). */
public interface PodListenerHandle extends AutoCloseable {

    @Override
    void close();
}
