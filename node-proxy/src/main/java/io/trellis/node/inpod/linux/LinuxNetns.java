package io.trellis.node.inpod.linux;

import io.trellis.node.inpod.Netns;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * A namespace fd owned by this process; closing it lets the kernel free an otherwise unused
 * namespace. The fd itself is closed by {@code fdCloser} — for handles of a
 * {@link LinuxNetnsOps}, on its namespace thread, after every task queued before: a task
 * therefore never setns()es into a recycled fd number that now names another pod.
 */
final class LinuxNetns implements Netns {

    private final int fd;
    private final String source;
    private final long inode;
    private final IntConsumer fdCloser;
    private final AtomicBoolean closed = new AtomicBoolean();

    LinuxNetns(int fd, String source, long inode, IntConsumer fdCloser) {
        this.fd = fd;
        this.source = source;
        this.inode = inode;
        this.fdCloser = fdCloser;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public long inode() {
        return inode;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            fdCloser.accept(fd);
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "netns{source=" + source + " inode=" + inode + " fd=" + fd + "}";
    }
}
