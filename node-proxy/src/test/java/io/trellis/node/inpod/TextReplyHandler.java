package io.trellis.node.inpod;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Test traffic path: writes one line computed from the accepted channel, then closes. */
@ChannelHandler.Sharable
final class TextReplyHandler extends ChannelInboundHandlerAdapter {

    private final Function<ChannelHandlerContext, String> reply;

    TextReplyHandler(Function<ChannelHandlerContext, String> reply) {
        this.reply = reply;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        String text;
        try {
            text = reply.apply(ctx);
        } catch (RuntimeException e) {
            text = "ERROR " + e.getMessage();
        }
        ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
    }
}
