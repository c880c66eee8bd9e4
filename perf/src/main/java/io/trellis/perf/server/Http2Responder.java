package io.trellis.perf.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Answers each h2c stream once its request has ended. Request bytes of a stream that is still
 * open are returned to the flow-control window as they are read.
 */
final class Http2Responder extends ChannelInboundHandlerAdapter {

    private final Bodies bodies;
    private final Map<Http2FrameStream, Integer> sizes = new IdentityHashMap<>();

    Http2Responder(Bodies bodies) {
        this.bodies = bodies;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                int size = bodies.size(headers.headers().get(HttpTarget.RESPONSE_BYTES_HEADER));
                if (headers.isEndStream()) {
                    respond(ctx, headers.stream(), size);
                } else {
                    sizes.put(headers.stream(), size);
                }
            } else if (msg instanceof Http2DataFrame data) {
                if (data.isEndStream()) {
                    Integer size = sizes.remove(data.stream());
                    respond(ctx, data.stream(), size == null ? -1 : size);
                } else if (data.initialFlowControlledBytes() > 0) {
                    ctx.write(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes())
                            .stream(data.stream()), ctx.voidPromise());
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void respond(ChannelHandlerContext ctx, Http2FrameStream stream, int size) {
        Http2Headers headers = new DefaultHttp2Headers().status(size < 0 ? "400" : "200");
        headers.setInt("content-length", Math.max(size, 0));
        boolean empty = size <= 0;
        ctx.write(new DefaultHttp2HeadersFrame(headers, empty).stream(stream), ctx.voidPromise());
        if (!empty) {
            ctx.write(new DefaultHttp2DataFrame(bodies.body(size), true).stream(stream), ctx.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
