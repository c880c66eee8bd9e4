package io.trellis.node.inpod;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * Namespaces without the kernel: paths map to made-up inodes, tasks run inline in the
 * caller's namespace. Records every handle it gave out.
 */
final class FakeNetnsOps implements NetnsOps {

    private final Map<Path, Long> inodes = new ConcurrentHashMap<>();
    final List<FakeNetns> handed = new CopyOnWriteArrayList<>();
    final List<Integer> adoptedFds = new CopyOnWriteArrayList<>();
    private final IntConsumer fdCloser;

    /** @param fdCloser closes adopted fds when their handle closes (real fds arrive over SCM_RIGHTS) */
    FakeNetnsOps(IntConsumer fdCloser) {
        this.fdCloser = fdCloser;
    }

    FakeNetnsOps() {
        this(fd -> { });
    }

    void define(Path path, long inode) {
        inodes.put(path, inode);
    }

    @Override
    public Netns open(Path path) throws NativeCallException {
        Long inode = inodes.get(path);
        if (inode == null) {
            throw new NativeCallException("open(" + path + ")", 2, "ENOENT", "No such file or directory",
                    "no such network namespace: is the pod still running?");
        }
        FakeNetns ns = new FakeNetns(-1, path.toString(), inode);
        handed.add(ns);
        return ns;
    }

    @Override
    public Netns adopt(int fd, String source) {
        adoptedFds.add(fd);
        // A distinct made-up inode per fd number is enough for registry semantics.
        FakeNetns ns = new FakeNetns(fd, source, 1_000_000L + fd, () -> fdCloser.accept(fd));
        handed.add(ns);
        return ns;
    }

    @Override
    public <T> CompletableFuture<T> submit(Netns netns, NetnsTask<T> task) {
        try {
            return CompletableFuture.completedFuture(task.run());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public long currentThreadNetnsInode() {
        return 1;
    }

    @Override
    public void close() {
    }
}
