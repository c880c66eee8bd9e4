package io.trellis.node.proxy;

import io.trellis.proxy.core.TunnelException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/**
 * Which failures to open an upstream blame the endpoint (so another endpoint of the Service may take the connection)
 * rather than the request. Only failures before any answer about the request itself: nothing listens (connect refused
 * or timed out, for plain TCP or the peer node's 15008), the peer node's TLS or connection failed, the stream was
 * reset, or the destination node-proxy answered that it could not reach the app (502/503/504). An authorization
 * denial (403), any other status, a wrong peer identity or a source address the kernel refused are final: another
 * endpoint would answer the same, or retrying would hide a security or configuration problem.
 */
final class ConnectFailures {

    private ConnectFailures() {
    }

    static boolean endpointAtFault(Throwable cause) {
        return switch (cause) {
            case TunnelException.ConnectFailed c -> true;
            case TunnelException.HandshakeFailed h -> true;
            case TunnelException.Closed c -> true;
            case TunnelException.StreamReset r -> true;
            case TunnelException.Rejected r -> r.status() == 502 || r.status() == 503 || r.status() == 504;
            case SourceAddressRefused s -> false;
            case ConnectException c -> true; // refused, or Netty's connect timeout
            case NoRouteToHostException n -> true;
            default -> false;
        };
    }
}
