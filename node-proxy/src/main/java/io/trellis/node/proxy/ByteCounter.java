package io.trellis.node.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes of a connection whose relay someone else runs (the HBONE server relays inbound
 * tunnels into the app connection): first in the app connection's pipeline, it sees what is written
 * to the app (request) and read from it (response). One channel, one event loop: plain fields.
 */
final class ByteCounter extends ChannelDuplexHandler {

    long written;
    long read;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            read += buf.readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            written += buf.readableBytes();
        }
        ctx.write(msg, promise);
    }
}
