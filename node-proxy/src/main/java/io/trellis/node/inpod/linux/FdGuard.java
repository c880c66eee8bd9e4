package io.trellis.node.inpod.linux;

import io.trellis.node.inpod.NativeCallException;

/**
 * Owns one fd that several threads use: one blocks in accept/recvmsg while another
 * shuts the socket down. The fd is closed only once nobody is inside a call, so a
 * concurrent close can never make a blocked call act on a recycled fd number.
 */
final class FdGuard {

    private final int fd;
    private final String what;
    private boolean closed;
    private boolean released;
    private int users;

    FdGuard(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** Marks the start of a call; fails if the socket is already closed. */
    synchronized int acquire(String call) throws NativeCallException {
        if (closed) {
            throw new NativeCallException(call, what + " is closed");
        }
        users++;
        return fd;
    }

    synchronized void release() {
        users--;
        releaseIfIdle();
    }

    /** Wakes blocked calls (shutdown) and closes the fd once they have returned. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdownNow();
        releaseIfIdle();
    }

    /** Wakes blocked calls without closing: they then see end of stream / EINVAL. */
    synchronized void shutdown() {
        if (!closed) {
            shutdownNow();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void shutdownNow() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            int ignored = (int) Libc.SHUTDOWN.invokeExact(Libc.errnoSlot(arena), fd, Libc.SHUT_RDWR);
        } catch (Throwable t) {
            throw Libc.linkageBroken("shutdown", t);
        }
    }

    private void releaseIfIdle() {
        if (closed && users == 0 && !released) {
            released = true;
            Libc.close(fd);
        }
    }
}
