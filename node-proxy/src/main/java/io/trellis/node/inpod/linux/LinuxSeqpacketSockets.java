package io.trellis.node.inpod.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.SeqpacketSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@link SeqpacketSockets} with socket/bind/accept4/sendmsg/recvmsg. SOCK_SEQPACKET keeps
 * message boundaries and delivers a message's SCM_RIGHTS fds with exactly that message,
 * which is why enrollment uses it instead of a byte stream.
 */
public final class LinuxSeqpacketSockets implements SeqpacketSockets {

    private static final int SUN_PATH_MAX = 107; // 108 bytes including the terminating NUL
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int MAX_FDS_PER_PACKET = 8;
    // struct msghdr (LP64): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48.
    private static final long MSGHDR_SIZE = 56;
    private static final long CMSGHDR_SIZE = 16; // cmsg_len (size_t), cmsg_level, cmsg_type

    @Override
    public Listener listen(Path path) throws NativeCallException {
        String call = "bind(" + path + ")";
        removeStaleSocket(path, call);
        int fd = socket(call);
        Object inode;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment addr = sockaddrUn(arena, path, call);
            int rc = (int) Libc.BIND.invokeExact(errno, fd, addr, (int) addr.byteSize());
            if (rc != 0) {
                throw Libc.failure(call, Libc.errno(errno), "is another node-proxy running with the same socket path?");
            }
            // Only root (the node agent) may enroll pods: the socket is the whole authorization.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            inode = socketFileKey(path);
            rc = (int) Libc.LISTEN.invokeExact(errno, fd, 16);
            if (rc != 0) {
                throw Libc.failure("listen(" + path + ")", Libc.errno(errno), "");
            }
        } catch (NativeCallException e) {
            Libc.close(fd);
            throw e;
        } catch (IOException e) {
            Libc.close(fd);
            throw new NativeCallException("chmod(" + path + ")", e.toString());
        } catch (Throwable t) {
            Libc.close(fd);
            throw Libc.linkageBroken("bind/listen", t);
        }
        return new UnixListener(new FdGuard(fd, "enrollment socket " + path), path, inode);
    }

    @Override
    public Connection connect(Path path) throws NativeCallException {
        String call = "connect(" + path + ")";
        int fd = socket(call);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment addr = sockaddrUn(arena, path, call);
            int rc = (int) Libc.CONNECT.invokeExact(errno, fd, addr, (int) addr.byteSize());
            if (rc != 0) {
                int e = Libc.errno(errno);
                throw Libc.failure(call, e, switch (e) {
                    case Errno.ENOENT, 111 -> "is the node-proxy running on this node?";
                    case Errno.EACCES, Errno.EPERM -> "only root may enroll pods";
                    default -> "";
                });
            }
        } catch (NativeCallException e) {
            Libc.close(fd);
            throw e;
        } catch (Throwable t) {
            Libc.close(fd);
            throw Libc.linkageBroken("connect", t);
        }
        return new UnixConnection(new FdGuard(fd, "enrollment connection " + path), path.toString());
    }

    private static int socket(String call) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int fd = (int) Libc.SOCKET.invokeExact(errno, Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Libc.failure(call + ": socket(AF_UNIX, SOCK_SEQPACKET)", Libc.errno(errno), "");
            }
            return fd;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("socket", t);
        }
    }

    private static void removeStaleSocket(Path path, String call) throws NativeCallException {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                if ((mode & S_IFMT) != S_IFSOCK) {
                    throw new NativeCallException(call, path + " exists and is not a socket; refusing to replace it");
                }
                // A socket file outlives its process; a previous node-proxy's is safe to replace.
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new NativeCallException(call, "cannot prepare " + path + ": " + e);
        }
    }

    /** The identity (device and inode) of the file at {@code path}, or null when there is none. */
    private static @Nullable Object socketFileKey(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static MemorySegment sockaddrUn(Arena arena, Path path, String call) throws NativeCallException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SUN_PATH_MAX) {
            throw new NativeCallException(call, "socket path longer than " + SUN_PATH_MAX + " bytes");
        }
        MemorySegment addr = arena.allocate(2L + bytes.length + 1);
        addr.set(JAVA_SHORT, 0, (short) Libc.AF_UNIX);
        MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, 2, bytes.length);
        return addr;
    }

    private static final class UnixListener implements Listener {

        private final FdGuard guard;
        private final Path path;
        private final @Nullable Object fileKey;

        UnixListener(FdGuard guard, Path path, @Nullable Object fileKey) {
            this.guard = guard;
            this.path = path;
            this.fileKey = fileKey;
        }

        @Override
        public Connection accept() throws NativeCallException {
            String call = "accept(" + path + ")";
            while (true) {
                int fd = guard.acquire(call);
                int conn;
                int e;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment errno = Libc.errnoSlot(arena);
                    conn = (int) Libc.ACCEPT4.invokeExact(errno, fd, MemorySegment.NULL, MemorySegment.NULL,
                            Libc.SOCK_CLOEXEC);
                    e = Libc.errno(errno);
                } catch (Throwable t) {
                    throw Libc.linkageBroken("accept4", t);
                } finally {
                    guard.release();
                }
                if (conn >= 0) {
                    return new UnixConnection(new FdGuard(conn, "enrollment connection"), path + " peer");
                }
                if (guard.isClosed()) {
                    throw new NativeCallException(call, "listener closed");
                }
                if (e != Errno.EINTR && e != 103 /* ECONNABORTED: peer gave up before accept */) {
                    throw Libc.failure(call, e, "");
                }
            }
        }

        @Override
        public void close() {
            guard.close();
            // During an upgrade the new node-proxy has already replaced our socket file with its own: deleting
            // the path then would cut the node agent off from the new process. (A replacement between this check
            // and the delete is not prevented; the new process binds long before the old one is told to stop.)
            Object current = socketFileKey(path);
            if (current == null || !current.equals(fileKey)) {
                return;
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // A leftover socket file is replaced by the next listen().
            }
        }
    }

    private static final class UnixConnection implements Connection {

        private final FdGuard guard;
        private final String peer;

        UnixConnection(FdGuard guard, String peer) {
            this.guard = guard;
            this.peer = peer;
        }

        @Override
        public void send(byte[] packet, int passFd) throws NativeCallException {
            String call = "sendmsg(" + peer + ")";
            int fd = guard.acquire(call);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(Math.max(1, packet.length));
                MemorySegment.copy(packet, 0, data, JAVA_BYTE, 0, packet.length);
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(ADDRESS, 0, data);
                iov.set(JAVA_LONG, 8, packet.length);
                MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                if (passFd >= 0) {
                    MemorySegment control = arena.allocate(CMSGHDR_SIZE + 8, 8); // CMSG_SPACE(sizeof(int))
                    control.set(JAVA_LONG, 0, CMSGHDR_SIZE + 4);                 // CMSG_LEN(sizeof(int))
                    control.set(JAVA_INT, 8, Libc.SOL_SOCKET);
                    control.set(JAVA_INT, 12, Libc.SCM_RIGHTS);
                    control.set(JAVA_INT, 16, passFd);
                    msg.set(ADDRESS, 32, control);
                    msg.set(JAVA_LONG, 40, control.byteSize());
                }
                MemorySegment errno = Libc.errnoSlot(arena);
                long sent;
                do {
                    sent = (long) Libc.SENDMSG.invokeExact(errno, fd, msg, Libc.MSG_NOSIGNAL);
                } while (sent < 0 && Libc.errno(errno) == Errno.EINTR);
                if (sent < 0) {
                    int e = Libc.errno(errno);
                    throw Libc.failure(call, e, e == 32 || e == 104 ? "the peer closed the connection" : "");
                }
                if (sent != packet.length) {
                    throw new NativeCallException(call, "sent " + sent + " of " + packet.length + " bytes");
                }
            } catch (NativeCallException e) {
                throw e;
            } catch (Throwable t) {
                throw Libc.linkageBroken("sendmsg", t);
            } finally {
                guard.release();
            }
        }

        @Override
        public @Nullable Packet receive(int maxBytes) throws NativeCallException {
            String call = "recvmsg(" + peer + ")";
            int fd = guard.acquire(call);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(maxBytes);
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(ADDRESS, 0, data);
                iov.set(JAVA_LONG, 8, maxBytes);
                long controlSize = CMSGHDR_SIZE + 4L * MAX_FDS_PER_PACKET;
                MemorySegment control = arena.allocate(controlSize, 8);
                MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                msg.set(ADDRESS, 32, control);
                msg.set(JAVA_LONG, 40, controlSize);
                MemorySegment errno = Libc.errnoSlot(arena);
                long n;
                do {
                    n = (long) Libc.RECVMSG.invokeExact(errno, fd, msg, Libc.MSG_CMSG_CLOEXEC);
                } while (n < 0 && Libc.errno(errno) == Errno.EINTR && !guard.isClosed());
                if (n < 0) {
                    int e = Libc.errno(errno);
                    throw Libc.failure(call, e, e == Errno.EAGAIN ? "no answer within the receive timeout" : "");
                }
                List<Integer> fds = receivedFds(control, msg.get(JAVA_LONG, 40));
                int flags = msg.get(JAVA_INT, 48);
                if (n == 0 && fds.isEmpty()) {
                    return null; // end of stream (SEQPACKET peers never send empty packets here)
                }
                boolean truncated = (flags & (Libc.MSG_TRUNC | Libc.MSG_CTRUNC)) != 0;
                return new Packet(data.asSlice(0, n).toArray(JAVA_BYTE), List.copyOf(fds), truncated);
            } catch (NativeCallException e) {
                throw e;
            } catch (Throwable t) {
                throw Libc.linkageBroken("recvmsg", t);
            } finally {
                guard.release();
            }
        }

        private static List<Integer> receivedFds(MemorySegment control, long controlLen) {
            List<Integer> fds = new ArrayList<>();
            long offset = 0;
            while (offset + CMSGHDR_SIZE <= controlLen) {
                long len = control.get(JAVA_LONG, offset);
                if (len < CMSGHDR_SIZE || offset + len > controlLen) {
                    break;
                }
                int level = control.get(JAVA_INT, offset + 8);
                int type = control.get(JAVA_INT, offset + 12);
                if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS) {
                    for (long p = offset + CMSGHDR_SIZE; p + 4 <= offset + len; p += 4) {
                        fds.add(control.get(JAVA_INT, p));
                    }
                }
                offset += (len + 7) & ~7L; // CMSG_ALIGN
            }
            return fds;
        }

        @Override
        public void receiveTimeout(Duration timeout) throws NativeCallException {
            String call = "setsockopt(SO_RCVTIMEO, " + peer + ")";
            int fd = guard.acquire(call);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tv = arena.allocate(16, 8); // struct timeval {tv_sec, tv_usec}
                tv.set(JAVA_LONG, 0, timeout.toSeconds());
                tv.set(JAVA_LONG, 8, timeout.toNanosPart() / 1000);
                MemorySegment errno = Libc.errnoSlot(arena);
                int rc = (int) Libc.SETSOCKOPT.invokeExact(errno, fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16);
                if (rc != 0) {
                    throw Libc.failure(call, Libc.errno(errno), "");
                }
            } catch (NativeCallException e) {
                throw e;
            } catch (Throwable t) {
                throw Libc.linkageBroken("setsockopt", t);
            } finally {
                guard.release();
            }
        }

        @Override
        public boolean peerClosed() {
            int fd;
            try {
                fd = guard.acquire("recvmsg(MSG_PEEK, " + peer + ")");
            } catch (NativeCallException e) {
                return true;
            }
            try (Arena arena = Arena.ofConfined()) {
                // One byte is enough: a queued packet means open; 0 bytes without a packet means end of stream.
                MemorySegment data = arena.allocate(1);
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(ADDRESS, 0, data);
                iov.set(JAVA_LONG, 8, 1);
                MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                MemorySegment errno = Libc.errnoSlot(arena);
                long n;
                do {
                    n = (long) Libc.RECVMSG.invokeExact(errno, fd, msg, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
                } while (n < 0 && Libc.errno(errno) == Errno.EINTR);
                if (n > 0) {
                    return false;
                }
                // n == 0: end of stream; EAGAIN: open and idle; any other error (ECONNRESET): gone.
                return n == 0 || Libc.errno(errno) != Errno.EAGAIN;
            } catch (Throwable t) {
                throw Libc.linkageBroken("recvmsg", t);
            } finally {
                guard.release();
            }
        }

        @Override
        public void shutdown() {
            guard.shutdown();
        }

        @Override
        public void close() {
            guard.close();
        }

        @Override
        public void closeFd(int fd) {
            Libc.close(fd);
        }
    }
}
