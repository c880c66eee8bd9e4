package io.trellis.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * h2c (prior knowledge) client for one connection: each request is a stream, up to the lane's
 * in-flight limit at once. Sits behind an {@code Http2FrameCodec}; the codec returns a closed
 * stream's unconsumed bytes to the connection window, so only data frames that do not end their
 * stream are acknowledged here.
 */
final class Http2Client extends Http2ChannelDuplexHandler implements RequestSender {

    private final RequestShape shape;
    private final Map<Http2FrameStream, Pending> inFlight = new IdentityHashMap<>();
    private final ClientBinding binding = new ClientBinding();

    /** The intended send time of a stream and whether its status was 200. */
    private static final class Pending {
        final long intended;
        boolean ok;

        Pending(long intended) {
            this.intended = intended;
        }
    }

    Http2Client(RequestShape shape) {
        this.shape = shape;
    }

    @Override
    public void bind(Lane lane) {
        binding.bind(lane);
    }

    @Override
    protected void handlerAdded0(ChannelHandlerContext ctx) {
        binding.joined(ctx);
    }

    @Override
    public void send(long intendedNanos) {
        ChannelHandlerContext context = binding.context();
        ByteBuf body = shape.body();
        Http2FrameStream stream = newStream();
        Http2Headers headers = new DefaultHttp2Headers()
                .method("POST").scheme("http").path("/").authority(shape.authority());
        headers.setInt("content-length", body.readableBytes());
        headers.setInt(Http1Client.RESPONSE_BYTES_HEADER, shape.responseBytes());
        boolean noBody = body.readableBytes() == 0;
        context.write(new DefaultHttp2HeadersFrame(headers, noBody).stream(stream), context.voidPromise());
        // The stream has its id once its headers were written; key by the stream object itself.
        inFlight.put(stream, new Pending(intendedNanos));
        if (!noBody) {
            context.write(new DefaultHttp2DataFrame(body.duplicate(), true).stream(stream), context.voidPromise());
        }
        context.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                Pending pending = inFlight.get(headers.stream());
                if (pending != null) {
                    pending.ok = "200".contentEquals(headers.headers().status());
                    if (headers.isEndStream()) {
                        finish(headers.stream(), true);
                    }
                }
            } else if (msg instanceof Http2DataFrame data && data.isEndStream()) {
                finish(data.stream(), true);
            } else if (msg instanceof Http2ResetFrame reset) {
                finish(reset.stream(), false);
            } else if (msg instanceof Http2GoAwayFrame) {
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void finish(Http2FrameStream stream, boolean complete) {
        Pending pending = inFlight.remove(stream);
        if (pending != null) {
            binding.lane().completed(pending.intended, complete && pending.ok);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inFlight.clear();
        if (binding.hasLane()) {
            binding.lane().connectionLost();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
