package io.trellis.node.inpod;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Unix domain SOCK_SEQPACKET sockets with file-descriptor passing: the enrollment transport.
 * Every call blocks, so callers use platform threads they own (enrollment is a handful of
 * messages per pod start, not a data path).
 */
public interface SeqpacketSockets {

    /** Binds and listens on {@code path}, replacing a stale socket file left by a previous process. */
    Listener listen(Path path) throws NativeCallException;

    /** Connects to a listening socket at {@code path}. */
    Connection connect(Path path) throws NativeCallException;

    /** A listening socket. */
    interface Listener extends AutoCloseable {

        /** Blocks for the next connection; fails once {@link #close()} has been called. */
        Connection accept() throws NativeCallException;

        /**
         * Wakes a blocked {@link #accept()}, closes the socket and unlinks the path, unless another
         * process has bound a new socket there since (a new node-proxy during an upgrade): that one is left alone.
         */
        @Override
        void close();
    }

    /** One end of a connection. */
    interface Connection extends AutoCloseable {

        /** Sends one packet, with {@code fd} as SCM_RIGHTS ancillary data when it is not negative. */
        void send(byte[] packet, int fd) throws NativeCallException;

        /**
         * Blocks for one packet (at most {@code maxBytes}); null at end of stream. Received
         * fds belong to the caller, who must close or adopt each one.
         */
        @Nullable Packet receive(int maxBytes) throws NativeCallException;

        /** Bounds how long {@link #receive} blocks; a receive that times out fails with EAGAIN. */
        void receiveTimeout(Duration timeout) throws NativeCallException;

        /**
         * Whether the peer has closed its end, without blocking and without consuming a packet: how an idle
         * agent notices that its node-proxy went away. Also true once this end is closed.
         */
        boolean peerClosed();

        /** Wakes a blocked {@link #receive} on another thread (it returns end of stream). */
        void shutdown();

        /** Closes the socket. */
        @Override
        void close();

        /** Closes a received fd the caller does not want. */
        void closeFd(int fd);
    }

    /**
     * One received packet.
     *
     * @param data the bytes (truncated to the receive limit when {@code truncated})
     * @param fds file descriptors that came with it, owned by the receiver
     * @param truncated the packet or its ancillary data did not fit and was cut
     */
    record Packet(byte[] data, List<Integer> fds, boolean truncated) {}
}
