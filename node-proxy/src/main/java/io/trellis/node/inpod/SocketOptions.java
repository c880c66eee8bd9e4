package io.trellis.node.inpod;

import java.net.InetSocketAddress;

/** The socket options the in-pod data plane needs that Java does not expose, by raw fd. */
public interface SocketOptions {

    /**
     * The destination a connection had before an iptables REDIRECT sent it to the proxy
     * ({@code SO_ORIGINAL_DST} / {@code IP6T_SO_ORIGINAL_DST}), for an accepted socket.
     */
    InetSocketAddress originalDestination(int fd) throws NativeCallException;

    /**
     * Like {@link #originalDestination(int)}, one syscall instead of three: the caller
     * passes the accepted channel's local address (Netty already has it), whose family
     * picks the option (an IPv4-mapped address arrives as an {@link java.net.Inet4Address}).
     */
    InetSocketAddress originalDestination(int fd, InetSocketAddress localAddress) throws NativeCallException;

    /** Sets {@code SO_MARK} (needs CAP_NET_ADMIN). */
    void setMark(int fd, int mark) throws NativeCallException;

    /** Reads {@code SO_MARK}. */
    int mark(int fd) throws NativeCallException;

    /** Sets {@code IP_TRANSPARENT} (and {@code IPV6_TRANSPARENT} on IPv6 sockets; needs CAP_NET_ADMIN). */
    void setTransparent(int fd, boolean on) throws NativeCallException;

    /** Reads {@code IP_TRANSPARENT} (or {@code IPV6_TRANSPARENT} on IPv6 sockets). */
    boolean transparent(int fd) throws NativeCallException;

    /** Sets {@code SO_REUSEPORT}. */
    void setReusePort(int fd, boolean on) throws NativeCallException;

    /** Reads {@code SO_REUSEPORT}. */
    boolean reusePort(int fd) throws NativeCallException;
}
