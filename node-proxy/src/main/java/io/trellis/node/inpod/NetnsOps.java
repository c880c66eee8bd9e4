package io.trellis.node.inpod;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Opening network namespaces and running code inside them.
 *
 * <p>A namespace switch ({@code setns}) affects only the calling OS thread, so the
 * implementation owns a dedicated platform thread: never a virtual thread (it may move to
 * another carrier) and never a Netty event loop (it serves other pods). Sockets keep the
 * namespace they were created in, so a task typically creates a socket and returns it.
 */
public interface NetnsOps extends AutoCloseable {

    /** Opens a namespace by path ({@code /var/run/netns/<name>} or {@code /proc/<pid>/ns/net}). */
    Netns open(Path path) throws NativeCallException;

    /**
     * Takes ownership of a namespace fd received from a peer (SCM_RIGHTS). Verifies that it
     * is a network namespace; on failure the fd is closed.
     */
    Netns adopt(int fd, String source) throws NativeCallException;

    /**
     * Runs {@code task} on the namespace thread inside {@code netns}, then switches back to
     * the proxy's own namespace (verified by inode before and after). The future fails with
     * a {@link NativeCallException} if the switch fails, or with the task's exception.
     */
    <T> CompletableFuture<T> submit(Netns netns, NetnsTask<T> task);

    /** Blocking form of {@link #submit}; never call it from an event loop. */
    default <T> T call(Netns netns, NetnsTask<T> task) throws InPodException {
        try {
            return submit(netns, task).join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InPodException ipe) {
                throw ipe;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new PodListenerException("task in " + netns.source() + " failed: " + cause, cause);
        }
    }

    /** Inode of the network namespace the calling thread is in ({@code /proc/thread-self/ns/net}). */
    long currentThreadNetnsInode() throws NativeCallException;

    /** Stops the namespace thread and releases the handle on the proxy's own namespace. */
    @Override
    void close();
}
