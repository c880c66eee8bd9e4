package io.trellis.proxy.core.hbone;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.relay.PeerAborted;

/**
 * Makes an HTTP/2 stream look like a byte socket to the relay: DATA payloads are read as
 * {@code ByteBuf}s, END_STREAM becomes {@link ChannelInputShutdownEvent}, RST_STREAM becomes
 * {@link PeerAborted}; written {@code ByteBuf}s become DATA frames.
 *
 * <p>Until {@link #established()} the first HEADERS frames pass through for the CONNECT handlers;
 * afterwards a HEADERS frame can only be trailers and ends the input.
 *
 * <p>Ownership: a DATA frame's payload is the frame's only reference-counted part, so firing
 * {@code content()} hands the frame's reference on; an outgoing buffer is wrapped, not copied.
 */
final class StreamByteCodec extends ChannelDuplexHandler {

    private final String peer;
    private final HboneMetrics metrics;
    private boolean established;

    StreamByteCodec(String peer, HboneMetrics metrics) {
        this.peer = peer;
        this.metrics = metrics;
    }

    void established() {
        established = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            ByteBuf content = data.content();
            if (content.isReadable()) {
                metrics.bytesIn.increment(content.readableBytes());
                ctx.fireChannelRead(content);
            } else {
                content.release();
            }
            if (data.isEndStream()) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } else if (msg instanceof Http2HeadersFrame headers) {
            if (!established) {
                ctx.fireChannelRead(headers);
            } else if (headers.isEndStream()) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } else if (msg instanceof Http2ResetFrame reset) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            ctx.fireUserEventTriggered(new PeerAborted("RST_STREAM " + (error == null ? reset.errorCode() : error)
                    + " from HBONE peer " + peer));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesOut.increment(buf.readableBytes());
            ctx.write(new DefaultHttp2DataFrame(buf, false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }
}
