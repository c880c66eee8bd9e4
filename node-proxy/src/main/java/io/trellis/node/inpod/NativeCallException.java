package io.trellis.node.inpod;

/**
 * A system call failed. The message names the call, its target, the errno and, where one
 * is known, what to do about it, e.g.
 * {@code setns(/var/run/netns/x) failed: EPERM (Operation not permitted) — the node-proxy needs CAP_SYS_ADMIN}.
 */
public final class NativeCallException extends InPodException {

    private final String call;
    private final int errno;
    private final String errnoName;

    public NativeCallException(String call, int errno, String errnoName, String description, String hint) {
        super(call + " failed: " + errnoName + " (" + description + ")" + (hint.isEmpty() ? "" : " — " + hint));
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    /** A failure detected without an errno (e.g. a netns fd that is not a network namespace). */
    public NativeCallException(String call, String problem) {
        super(call + " failed: " + problem);
        this.call = call;
        this.errno = 0;
        this.errnoName = "";
    }

    /** The call with its target, e.g. {@code setns(/var/run/netns/x)}. */
    public String call() {
        return call;
    }

    /** The errno, 0 when the failure had none. */
    public int errno() {
        return errno;
    }

    /** Symbolic errno name such as {@code EPERM}, empty when the failure had none. */
    public String errnoName() {
        return errnoName;
    }
}
