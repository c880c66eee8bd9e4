package io.trellis.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How connections leave for one source: HBONE tunnels from {@code pool}, plain TCP from {@code dialer}.
 * For an enrolled pod both create their sockets inside the pod's network namespace with the capture
 * mark (source IP = the pod's); for the SOCKS5 entry they are ordinary host sockets.
 */
record Egress(HboneClientPool pool, Dialer dialer, Transport transport, Duration connectTimeout) {

    /** Plain TCP to {@code target} on {@code loop}, ready for a relay (auto-read off, half-closure on). */
    CompletableFuture<Channel> connect(InetSocketAddress target, EventLoop loop) {
        return connect(target, loop, null);
    }

    /**
     * As {@link #connect(InetSocketAddress, EventLoop)}, from {@code source} when not null (a client's
     * address kept toward the app); fails with {@link SourceAddressRefused} when the kernel refuses it.
     */
    CompletableFuture<Channel> connect(InetSocketAddress target, EventLoop loop, @Nullable InetSocketAddress source) {
        Bootstrap bootstrap = ChannelTuning.client(new Bootstrap())
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new InboundHold()); // parks what the app sends before the relay starts
        return Connections.toCompletable(dialer.dial(bootstrap, target, source));
    }
}
