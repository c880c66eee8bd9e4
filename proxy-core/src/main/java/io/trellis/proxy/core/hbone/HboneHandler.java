package io.trellis.proxy.core.hbone;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.trellis.proxy.core.TunnelException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides what happens to an accepted HBONE CONNECT: authorize, then connect upstream.
 *
 * <p>The server answers {@code 200} only once the returned stage completes with a connected
 * channel (auto-read off, half-closure allowed: see {@code TcpConnector}); it then relays bytes.
 * Failures map to statuses: {@link TunnelException.Rejected} keeps its status (403 for denied),
 * {@code ConnectException} 502, {@code NoRouteToHostException} 503,
 * {@code ConnectTimeoutException} 504, anything else 502; the reason travels in the
 * {@code trellis-reason} header.
 */
@FunctionalInterface
public interface HboneHandler {

    /** Called on the stream's event loop; must not block (hand blocking work to another executor). */
    CompletionStage<Channel> open(HboneRequest request);

    /** A connection was refused before any request (TLS failure, unknown local address); for logs. */
    default void connectionRejected(InetSocketAddress peer, TunnelException error) {}

    /** A failed stage that makes the server answer {@code status} with {@code reason}. */
    static CompletionStage<Channel> reject(int status, String reason) {
        return CompletableFuture.failedFuture(new TunnelException.Rejected(status, reason,
                "HBONE CONNECT rejected with " + status + ": " + reason));
    }

    /** Adapts a Netty connect future. */
    static CompletionStage<Channel> fromConnect(ChannelFuture connect) {
        CompletableFuture<Channel> stage = new CompletableFuture<>();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                stage.complete(connect.channel());
            } else {
                stage.completeExceptionally(f.cause());
            }
        });
        return stage;
    }
}
