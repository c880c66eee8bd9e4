package io.trellis.node.inpod.linux;

import java.util.Map;

/** Symbolic names and descriptions for the errnos the in-pod calls can return (Linux values). */
final class Errno {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENOPROTOOPT = 92;
    static final int EADDRINUSE = 98;

    private record Entry(String name, String description) {}

    // Only the errnos these calls document; anything else is printed as a number.
    private static final Map<Integer, Entry> KNOWN = Map.ofEntries(
            Map.entry(EPERM, new Entry("EPERM", "Operation not permitted")),
            Map.entry(ENOENT, new Entry("ENOENT", "No such file or directory")),
            Map.entry(EINTR, new Entry("EINTR", "Interrupted system call")),
            Map.entry(EBADF, new Entry("EBADF", "Bad file descriptor")),
            Map.entry(EAGAIN, new Entry("EAGAIN", "Resource temporarily unavailable")),
            Map.entry(12, new Entry("ENOMEM", "Cannot allocate memory")),
            Map.entry(EACCES, new Entry("EACCES", "Permission denied")),
            Map.entry(14, new Entry("EFAULT", "Bad address")),
            Map.entry(20, new Entry("ENOTDIR", "Not a directory")),
            Map.entry(EINVAL, new Entry("EINVAL", "Invalid argument")),
            Map.entry(23, new Entry("ENFILE", "Too many open files in system")),
            Map.entry(24, new Entry("EMFILE", "Too many open files")),
            Map.entry(32, new Entry("EPIPE", "Broken pipe")),
            Map.entry(36, new Entry("ENAMETOOLONG", "File name too long")),
            Map.entry(88, new Entry("ENOTSOCK", "Socket operation on non-socket")),
            Map.entry(ENOPROTOOPT, new Entry("ENOPROTOOPT", "Protocol not available")),
            Map.entry(93, new Entry("EPROTONOSUPPORT", "Protocol not supported")),
            Map.entry(95, new Entry("EOPNOTSUPP", "Operation not supported")),
            Map.entry(97, new Entry("EAFNOSUPPORT", "Address family not supported by protocol")),
            Map.entry(EADDRINUSE, new Entry("EADDRINUSE", "Address already in use")),
            Map.entry(99, new Entry("EADDRNOTAVAIL", "Cannot assign requested address")),
            Map.entry(104, new Entry("ECONNRESET", "Connection reset by peer")),
            Map.entry(107, new Entry("ENOTCONN", "Transport endpoint is not connected")),
            Map.entry(111, new Entry("ECONNREFUSED", "Connection refused")));

    private Errno() {}

    static String name(int errno) {
        Entry e = KNOWN.get(errno);
        return e == null ? "errno " + errno : e.name();
    }

    static String description(int errno) {
        Entry e = KNOWN.get(errno);
        return e == null ? "unknown error" : e.description();
    }
}
