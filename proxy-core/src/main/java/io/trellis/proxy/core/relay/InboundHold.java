package io.trellis.proxy.core.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Parks inbound messages and user events until a {@link Relay} takes the channel over.
 *
 * <p>Between "tunnel accepted" and "relay started" (for example while the HBONE server connects
 * upstream, or between the client receiving 200 and its caller starting the relay) the peer may
 * already send bytes or even end its stream. This handler owns those buffers meanwhile; when
 * removed it replays them in order to the next handler, and when the channel closes first it
 * releases them.
 */
public final class InboundHold extends ChannelInboundHandlerAdapter {

    private final ArrayDeque<Object> held = new ArrayDeque<>(4);
    private final ArrayDeque<Boolean> isEvent = new ArrayDeque<>(4);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
        isEvent.add(Boolean.FALSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        held.add(evt);
        isEvent.add(Boolean.TRUE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset before the relay exists is still a reset: the relay will abort the other side.
        userEventTriggered(ctx, new PeerAborted(String.valueOf(cause.getMessage())));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Swallowed: the relay decides when to read next.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            releaseAll();
            return;
        }
        boolean any = !held.isEmpty();
        while (!held.isEmpty()) {
            Object item = held.poll();
            if (isEvent.poll()) {
                ctx.fireUserEventTriggered(item);
            } else {
                ctx.fireChannelRead(item); // ownership passes to the next handler
            }
        }
        if (any) {
            ctx.fireChannelReadComplete();
        }
    }

    private void releaseAll() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
            isEvent.poll();
        }
    }
}
