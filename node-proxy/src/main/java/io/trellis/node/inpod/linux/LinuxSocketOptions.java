package io.trellis.node.inpod.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.SocketOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** {@link SocketOptions} through getsockopt/setsockopt on raw fds. */
public final class LinuxSocketOptions implements SocketOptions {

    private static final int SOCKADDR_IN_SIZE = 16;
    private static final int SOCKADDR_IN6_SIZE = 28;

    @Override
    public InetSocketAddress originalDestination(int fd) throws NativeCallException {
        // An IPv4 connection accepted on a dual-stack IPv6 socket still has an IPv4 conntrack
        // entry, so the level follows the connection's local address, not the socket's family.
        boolean v6 = domain(fd) == Libc.AF_INET6 && !Sockaddrs.isV4Mapped(Sockaddrs.localAddress(fd));
        return originalDestination(fd, v6);
    }

    @Override
    public InetSocketAddress originalDestination(int fd, InetSocketAddress localAddress) throws NativeCallException {
        return originalDestination(fd, !Sockaddrs.isV4Mapped(localAddress));
    }

    private static InetSocketAddress originalDestination(int fd, boolean v6) throws NativeCallException {
        int level = v6 ? Libc.SOL_IPV6 : Libc.SOL_IP;
        int option = v6 ? Libc.IP6T_SO_ORIGINAL_DST : Libc.SO_ORIGINAL_DST;
        String call = (v6 ? "getsockopt(IP6T_SO_ORIGINAL_DST" : "getsockopt(SO_ORIGINAL_DST") + ", fd " + fd + ")";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_IN6_SIZE);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
            getsockopt(arena, fd, level, option, addr, len, call,
                    "no conntrack entry for this connection: are the capture (nat) rules installed in the pod namespace?");
            return Sockaddrs.decode(addr, call);
        }
    }

    @Override
    public void setMark(int fd, int mark) throws NativeCallException {
        setInt(fd, Libc.SOL_SOCKET, Libc.SO_MARK, mark, "setsockopt(SO_MARK=" + mark + ", fd " + fd + ")",
                "the node-proxy needs CAP_NET_ADMIN");
    }

    @Override
    public int mark(int fd) throws NativeCallException {
        return getInt(fd, Libc.SOL_SOCKET, Libc.SO_MARK, "getsockopt(SO_MARK, fd " + fd + ")");
    }

    @Override
    public void setTransparent(int fd, boolean on) throws NativeCallException {
        boolean v6 = domain(fd) == Libc.AF_INET6;
        String hint = "the node-proxy needs CAP_NET_ADMIN";
        setInt(fd, Libc.SOL_IP, Libc.IP_TRANSPARENT, on ? 1 : 0, "setsockopt(IP_TRANSPARENT, fd " + fd + ")", hint);
        if (v6) {
            setInt(fd, Libc.SOL_IPV6, Libc.IPV6_TRANSPARENT, on ? 1 : 0,
                    "setsockopt(IPV6_TRANSPARENT, fd " + fd + ")", hint);
        }
    }

    @Override
    public boolean transparent(int fd) throws NativeCallException {
        if (domain(fd) == Libc.AF_INET6) {
            return getInt(fd, Libc.SOL_IPV6, Libc.IPV6_TRANSPARENT, "getsockopt(IPV6_TRANSPARENT, fd " + fd + ")") != 0;
        }
        return getInt(fd, Libc.SOL_IP, Libc.IP_TRANSPARENT, "getsockopt(IP_TRANSPARENT, fd " + fd + ")") != 0;
    }

    @Override
    public void setReusePort(int fd, boolean on) throws NativeCallException {
        setInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, on ? 1 : 0, "setsockopt(SO_REUSEPORT, fd " + fd + ")", "");
    }

    @Override
    public boolean reusePort(int fd) throws NativeCallException {
        return getInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, "getsockopt(SO_REUSEPORT, fd " + fd + ")") != 0;
    }

    private static int domain(int fd) throws NativeCallException {
        return getInt(fd, Libc.SOL_SOCKET, Libc.SO_DOMAIN, "getsockopt(SO_DOMAIN, fd " + fd + ")");
    }

    static void setInt(int fd, int level, int option, int value, String call, String permissionHint)
            throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            int rc = (int) Libc.SETSOCKOPT.invokeExact(errno, fd, level, option, v, (int) JAVA_INT.byteSize());
            if (rc != 0) {
                int e = Libc.errno(errno);
                throw Libc.failure(call, e, hintFor(e, permissionHint));
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("setsockopt", t);
        }
    }

    static int getInt(int fd, int level, int option, String call) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) JAVA_INT.byteSize());
            getsockopt(arena, fd, level, option, v, len, call, "");
            return v.get(JAVA_INT, 0);
        }
    }

    private static void getsockopt(Arena arena, int fd, int level, int option, MemorySegment value,
            MemorySegment len, String call, String notFoundHint) throws NativeCallException {
        try {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc = (int) Libc.GETSOCKOPT.invokeExact(errno, fd, level, option, value, len);
            if (rc != 0) {
                int e = Libc.errno(errno);
                throw Libc.failure(call, e, e == Errno.ENOENT ? notFoundHint : hintFor(e, ""));
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkageBroken("getsockopt", t);
        }
    }

    private static String hintFor(int errno, String permissionHint) {
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> permissionHint;
            case Errno.EBADF -> "the socket was already closed";
            case 88 -> "the fd is not a socket";
            case Errno.ENOPROTOOPT -> "the kernel does not support this option on this socket (missing netfilter module?)";
            default -> "";
        };
    }

    /** sockaddr_in / sockaddr_in6 encoding and decoding. */
    static final class Sockaddrs {

        private Sockaddrs() {}

        static InetSocketAddress localAddress(int fd) throws NativeCallException {
            // getsockname is only needed here; keep it next to its only user.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment addr = arena.allocate(SOCKADDR_IN6_SIZE);
                MemorySegment len = arena.allocateFrom(JAVA_INT, SOCKADDR_IN6_SIZE);
                MemorySegment errno = Libc.errnoSlot(arena);
                int rc = (int) Libc.GETSOCKNAME.invokeExact(errno, fd, addr, len);
                if (rc != 0) {
                    throw Libc.failure("getsockname(fd " + fd + ")", Libc.errno(errno), "");
                }
                return decode(addr, "getsockname(fd " + fd + ")");
            } catch (NativeCallException e) {
                throw e;
            } catch (Throwable t) {
                throw Libc.linkageBroken("getsockname", t);
            }
        }

        static boolean isV4Mapped(InetSocketAddress address) {
            // Java already unmaps ::ffff:a.b.c.d into an Inet4Address.
            return address.getAddress() instanceof java.net.Inet4Address;
        }

        static InetSocketAddress decode(MemorySegment sa, String call) throws NativeCallException {
            int family = sa.get(JAVA_SHORT_UNALIGNED, 0) & 0xffff;
            int port = Short.toUnsignedInt(sa.get(JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
            byte[] ip;
            if (family == Libc.AF_INET) {
                ip = sa.asSlice(4, 4).toArray(JAVA_BYTE);
            } else if (family == Libc.AF_INET6) {
                ip = sa.asSlice(8, 16).toArray(JAVA_BYTE);
            } else {
                throw new NativeCallException(call, "unexpected address family " + family);
            }
            try {
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("address of length " + ip.length, e);
            }
        }
    }
}
