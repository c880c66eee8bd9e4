package io.trellis.node.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.Predicate;

/**
 * Runs an action on the first inbound message that counts as activity, then leaves the pipeline: how
 * an inbound guard's deadline is disarmed once a client (or a server-first app) speaks, or an HBONE
 * peer sends its first CONNECT. Costs nothing after the first message.
 */
final class FirstActivity extends ChannelInboundHandlerAdapter {

    private final Predicate<Object> counts;
    private final Runnable action;

    FirstActivity(Predicate<Object> counts, Runnable action) {
        this.counts = counts;
        this.action = action;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (counts.test(msg)) {
            action.run();
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
