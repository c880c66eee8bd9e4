package io.trellis.proxy.core.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
                .handler(Idle.INSTANCE)
                .connect(target);
    }

    /** Placeholder handler: Bootstrap requires one, the relay installs the real ones. */
    @ChannelHandler.Sharable
    private static final class Idle extends ChannelInboundHandlerAdapter {
        static final Idle INSTANCE = new Idle();
    }

    /** The transport this connector creates channels for. */
    public Transport transport() {
        return transport;
    }

}
