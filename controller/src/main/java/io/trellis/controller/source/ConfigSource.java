package io.trellis.controller.source;

import java.util.function.Consumer;

/** Where the mesh config comes from: a YAML directory (local mode) or, later, the Kubernetes API. */
public interface ConfigSource extends AutoCloseable {

    /**
     * Publishes the current snapshot to {@code listener} once, then again after every change.
     * The listener is called from one thread at a time.
     */
    void start(Consumer<ConfigSnapshot> listener);

    @Override
    void close();
}
