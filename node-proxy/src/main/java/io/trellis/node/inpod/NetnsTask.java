package io.trellis.node.inpod;

/** Work to run while the calling platform thread is inside a pod network namespace. */
@FunctionalInterface
public interface NetnsTask<T> {

    /** Runs inside the namespace; must not block for long: other pods wait for the same thread. */
    T run() throws Exception;
}
