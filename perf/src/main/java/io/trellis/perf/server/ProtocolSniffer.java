package io.trellis.perf.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.util.List;

/**
 * Looks at a connection's first bytes: the HTTP/2 connection preface means h2c with prior
 * knowledge, anything else is HTTP/1.1. Replaces itself with the matching pipeline and hands on
 * what it read.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Bodies bodies;

    ProtocolSniffer(Bodies bodies) {
        this.bodies = bodies;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int prefaceLength = PREFACE.readableBytes();
        int compared = Math.min(in.readableBytes(), prefaceLength);
        boolean matches = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, compared);
        if (matches && compared < prefaceLength) {
            return;
        }
        if (matches) {
            ctx.pipeline().addAfter(ctx.name(), null, new Http2Responder(bodies));
            ctx.pipeline().addAfter(ctx.name(), null, Http2FrameCodecBuilder.forServer().build());
        } else {
            ctx.pipeline().addAfter(ctx.name(), null, new Http1Responder(bodies));
            ctx.pipeline().addAfter(ctx.name(), null, new HttpObjectAggregator(1 << 20));
            ctx.pipeline().addAfter(ctx.name(), null, new HttpServerCodec());
        }
        ctx.pipeline().remove(this);
    }

    /** A client that resets before sending anything (the new-connections mode does) just goes away. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
