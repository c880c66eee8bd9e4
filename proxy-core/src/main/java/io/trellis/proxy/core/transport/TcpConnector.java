package io.trellis.proxy.core.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.trellis.proxy.core.relay.InboundHold;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Opens plain TCP connections for the relay: on a given event loop (so both halves of a proxied
 * connection share a loop, which keeps hand-offs cheap and enables {@code splice(2)}), with
 * {@link ChannelTuning} options and nothing read until a relay takes the channel over.
 */
public final class TcpConnector {

    private final Transport transport;
    private final Duration connectTimeout;

    /**
     * @param transport must match the event loops later passed to {@link #connect}
     * @param connectTimeout how long a SYN may go unanswered before the attempt fails
     */
    public TcpConnector(Transport transport, Duration connectTimeout) {
        this.transport = transport;
        this.connectTimeout = connectTimeout;
    }

    /** Connects to {@code target}; the future fails with the transport's exception on refusal or timeout. */
    public ChannelFuture connect(InetSocketAddress target, EventLoop loop) {
        return ChannelTuning.client(new Bootstrap())
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                // Server-first protocols (a greeting, or an immediate close) may deliver bytes or a
                // FIN before the relay is attached; the hold keeps them for it.
                .handler(new InboundHold())
                .connect(target);
    }

    /** The transport this connector creates channels for. */
    public Transport transport() {
        return transport;
    }

}
