package io.trellis.node.inpod.linux;

import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.NetnsTask;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NetnsOps} with {@code setns(2)} on one dedicated platform thread.
 *
 * <p>Every task is bracketed: check the thread is home (switch home first if not — a new
 * thread inherits its creator's namespace), enter the pod namespace and verify by inode,
 * run, switch back and verify. The task's future completes only once the thread is home
 * again, so continuations never run inside a pod namespace.
 */
public final class LinuxNetnsOps implements NetnsOps {

    private static final Logger log = LoggerFactory.getLogger(LinuxNetnsOps.class);
    private static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");

    private final LinuxNetns home;
    private final ExecutorService thread;

    /** Captures the calling thread's namespace as "home" (the proxy's own namespace). */
    public LinuxNetnsOps() throws NativeCallException {
        this.thread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("trellis-netns").daemon(true).factory());
        this.home = (LinuxNetns) open(THREAD_NETNS);
    }

    @Override
    public Netns open(Path path) throws NativeCallException {
        String call = "open(" + path + ")";
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            fd = (int) Libc.OPEN.invokeExact(errno, arena.allocateFrom(path.toString()),
                    Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (fd < 0) {
                int e = Libc.errno(errno);
                throw Libc.failure(call, e, switch (e) {
                    case Errno.ENOENT -> "no such network namespace: is the pod still running?";
                    case Errno.EACCES, Errno.EPERM -> "the node-proxy must run as root to open pod namespaces";
                    default -> "";
                });
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("open", t);
        }
        return verified(fd, path.toString(), call, this::closeOnNetnsThread);
    }

    @Override
    public Netns adopt(int fd, String source) throws NativeCallException {
        return verified(fd, source, "adopt(" + source + ")", this::closeOnNetnsThread);
    }

    /** Queues the close behind every task already submitted (see {@link LinuxNetns}). */
    private void closeOnNetnsThread(int fd) {
        try {
            thread.execute(() -> Libc.close(fd));
        } catch (RejectedExecutionException e) {
            Libc.close(fd); // the thread is gone: nothing can use the fd any more
        }
    }

    private static Netns verified(int fd, String source, String call, java.util.function.IntConsumer closer)
            throws NativeCallException {
        try {
            requireNetworkNamespace(fd, call);
            return new LinuxNetns(fd, source, inode(Path.of("/proc/self/fd/" + fd), call), closer);
        } catch (NativeCallException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** ioctl(NS_GET_NSTYPE): the kernel's own word on what the fd is (a path can be any file). */
    private static void requireNetworkNamespace(int fd, String call) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int type = (int) Libc.IOCTL.invokeExact(errno, fd, Libc.NS_GET_NSTYPE);
            if (type < 0) {
                int e = Libc.errno(errno);
                throw new NativeCallException(call, "not a namespace file (ioctl(NS_GET_NSTYPE): "
                        + Errno.name(e) + "): pass /var/run/netns/<name>, /proc/<pid>/ns/net or such an fd");
            }
            if (type != Libc.CLONE_NEWNET) {
                throw new NativeCallException(call, "a namespace but not a network namespace (type 0x"
                        + Integer.toHexString(type) + ")");
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("ioctl", t);
        }
    }

    /** st_ino of the namespace behind a /proc magic link: the namespace's identity. */
    private static long inode(Path link, String call) throws NativeCallException {
        try {
            return ((Number) Files.getAttribute(link, "unix:ino")).longValue();
        } catch (IOException | RuntimeException e) {
            throw new NativeCallException(call, "cannot stat " + link + ": " + e);
        }
    }

    @Override
    public long currentThreadNetnsInode() throws NativeCallException {
        // Resolved by the kernel for the calling thread, which is exactly what we verify.
        return inode(THREAD_NETNS, "stat(" + THREAD_NETNS + ")");
    }

    @Override
    public <T> CompletableFuture<T> submit(Netns netns, NetnsTask<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            thread.execute(() -> runInside(netns, task, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("netns thread stopped: the node-proxy is shutting down", e));
        }
        return result;
    }

    private <T> void runInside(Netns netns, NetnsTask<T> task, CompletableFuture<T> result) {
        T value = null;
        Throwable failure = null;
        try {
            if (netns instanceof LinuxNetns l && l.isClosed()) {
                throw new NativeCallException("setns(" + netns.source() + ")",
                        "the namespace handle was closed (pod removed?)");
            }
            ensureHome();
            enter(netns.fd(), netns.inode(), "setns(" + netns.source() + ")");
            try {
                value = task.run();
            } catch (Throwable t) {
                failure = t;
            } finally {
                // Return home before anyone sees the result; a thread stuck in a pod namespace
                // would create every later socket in the wrong pod.
                enter(home.fd(), home.inode(), "setns(back to the node-proxy's namespace)");
            }
        } catch (NativeCallException e) {
            log.error("event=netns_switch_failed netns={} error=\"{}\"", netns.source(), e.getMessage());
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(value);
        }
    }

    private void ensureHome() throws NativeCallException {
        if (currentThreadNetnsInode() != home.inode()) {
            log.warn("event=netns_thread_not_home action=switching_home home_inode={}", home.inode());
            enter(home.fd(), home.inode(), "setns(back to the node-proxy's namespace)");
        }
    }

    private void enter(int fd, long inode, String call) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc = (int) Libc.SETNS.invokeExact(errno, fd, Libc.CLONE_NEWNET);
            if (rc != 0) {
                int e = Libc.errno(errno);
                throw Libc.failure(call, e, switch (e) {
                    case Errno.EPERM -> "the node-proxy needs CAP_SYS_ADMIN";
                    case Errno.EINVAL -> "the fd is not a network namespace";
                    case Errno.EBADF -> "the namespace fd was already closed";
                    default -> "";
                });
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("setns", t);
        }
        long now = currentThreadNetnsInode();
        if (now != inode) {
            throw new NativeCallException(call, "thread is in namespace inode " + now + " after setns, expected " + inode);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        home.close();
    }
}
