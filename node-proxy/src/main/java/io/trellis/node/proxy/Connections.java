package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Future;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.transport.ChannelTuning;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** What every proxied TCP connection accepted on a pod listener needs, in one place. */
final class Connections {

    private Connections() {}

    /**
     * The relay's options for an accepted connection: the pod listeners are plain server bootstraps,
     * so their children start with Netty's defaults. Call from the child's initializer, before it is
     * active, so nothing is read before a relay takes over.
     */
    static void tuneAccepted(Channel ch) {
        ChannelConfig config = ch.config();
        config.setAutoRead(false);
        config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        config.setOption(ChannelOption.TCP_NODELAY, true);
        config.setRecvByteBufAllocator(ChannelTuning.recvAllocator());
        config.setWriteBufferWaterMark(ChannelTuning.waterMark());
    }

    /**
     * Prepares an accepted pod connection for a relay: tunes it, calls {@code onActive} once it is
     * active, and parks bytes (or a FIN) that arrive before the upstream is open, even with auto-read
     * off, so the relay replays them. Call from the child's initializer.
     */
    static void acceptForRelay(Channel ch, String name, Consumer<Channel> onActive) {
        tuneAccepted(ch);
        ch.pipeline().addLast(name, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.pipeline().remove(this);
                onActive.accept(ctx.channel());
            }
        });
        ch.pipeline().addLast("hold", new InboundHold());
    }

    /** Closes with a TCP RST, so the application sees a reset rather than a clean end of stream. */
    static void reset(Channel ch) {
        if (ch.isOpen()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
        }
    }

    static <T> CompletableFuture<T> toCompletable(Future<T> future) {
        CompletableFuture<T> out = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                out.complete(future.getNow());
            } else {
                out.completeExceptionally(f.cause());
            }
        });
        return out;
    }
}
