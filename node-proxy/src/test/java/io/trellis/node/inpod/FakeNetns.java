package io.trellis.node.inpod;

import java.util.concurrent.atomic.AtomicBoolean;

/** A namespace handle that only records whether it was closed. */
final class FakeNetns implements Netns {

    private final int fd;
    private final String source;
    private final long inode;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    FakeNetns(int fd, String source, long inode) {
        this(fd, source, inode, () -> { });
    }

    FakeNetns(int fd, String source, long inode, Runnable onClose) {
        this.fd = fd;
        this.source = source;
        this.inode = inode;
        this.onClose = onClose;
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
            onClose.run();
        }
    }

    boolean isClosed() {
        return closed.get();
    }
}
