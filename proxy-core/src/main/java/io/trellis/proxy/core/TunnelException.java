package io.trellis.proxy.core;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Why a tunnel could not be opened or was torn down. Every message says what happened, to whom,
 * and what to check next.
 *
 * <p>Connection-level failures ({@link ConnectFailed}, {@link HandshakeFailed},
 * {@link PeerIdentityMismatch}) fail every stream waiting on that connection; stream-level ones
 * ({@link Rejected}, {@link StreamReset}, {@link ProtocolError}) affect one tunnel only.
 */
public abstract sealed class TunnelException extends RuntimeException {

    private TunnelException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** No TCP connection to the HBONE peer: refused, unreachable or timed out. */
    public static final class ConnectFailed extends TunnelException {
        private final InetSocketAddress peer;

        public ConnectFailed(InetSocketAddress peer, String message, @Nullable Throwable cause) {
            super(message, cause);
            this.peer = peer;
        }

        public InetSocketAddress peer() {
            return peer;
        }
    }

    /** The TLS handshake failed: a certificate was rejected (by us or by the peer) or ALPN was not h2. */
    public static final class HandshakeFailed extends TunnelException {
        public HandshakeFailed(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    /** The peer's certificate is valid but names a different workload than the one we meant to reach. */
    public static final class PeerIdentityMismatch extends TunnelException {
        public PeerIdentityMismatch(String message) {
            super(message, null);
        }
    }

    /** The HBONE server answered the CONNECT with a non-200 status. */
    public static final class Rejected extends TunnelException {
        private final int status;
        private final String reason;

        public Rejected(int status, String reason, String message) {
            super(message, null);
            this.status = status;
            this.reason = reason;
        }

        /** HTTP status of the answer, e.g. 403 (denied) or 502 (upstream refused). */
        public int status() {
            return status;
        }

        /** The server's reason, from the {@code trellis-reason} header. */
        public String reason() {
            return reason;
        }
    }

    /** The tunnel was aborted by the other side (RST_STREAM, TCP reset, lost connection). */
    public static final class StreamReset extends TunnelException {
        public StreamReset(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    /** The peer broke the HBONE protocol (not a CONNECT, bad authority, unexpected frames). */
    public static final class ProtocolError extends TunnelException {
        public ProtocolError(String message) {
            super(message, null);
        }
    }

    /** The pool or server was shut down while the tunnel was pending. */
    public static final class Closed extends TunnelException {
        public Closed(String message) {
            super(message, null);
        }
    }
}
