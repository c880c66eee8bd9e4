package io.trellis.node.inpod.linux;

import io.trellis.node.inpod.Netns;
import java.util.concurrent.atomic.AtomicBoolean;

/** A namespace fd owned by this process; closing it lets the kernel free an otherwise unused namespace. */
final class LinuxNetns implements Netns {

    private final int fd;
    private final String source;
    private final long inode;
    private final AtomicBoolean closed = new AtomicBoolean();

    LinuxNetns(int fd, String source, long inode) {
        this.fd = fd;
        this.source = source;
        this.inode = inode;
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
            Libc.close(fd);
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
