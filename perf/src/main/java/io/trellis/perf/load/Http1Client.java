package io.trellis.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * HTTP/1.1 keep-alive client for one connection: one request at a time (no pipelining), so the
 * lane's backlog is where queueing shows. With {@code close} set it asks the server to close
 * after the answer (the new-connections mode).
 */
final class Http1Client extends ChannelInboundHandlerAdapter implements RequestSender {

    static final String RESPONSE_BYTES_HEADER = "x-response-bytes";

    private final RequestShape shape;
    private final boolean close;
    private final ClientBinding binding = new ClientBinding();
    private long intended;
    private boolean awaiting;
    private boolean ok;

    Http1Client(RequestShape shape, boolean close) {
        this.shape = shape;
        this.close = close;
    }

    @Override
    public void bind(Lane lane) {
        binding.bind(lane);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        binding.joined(ctx);
    }

    @Override
    public void send(long intendedNanos) {
        ChannelHandlerContext context = binding.context();
        ByteBuf body = shape.body();
        intended = intendedNanos;
        awaiting = true;
        ok = false;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                body.duplicate());
        request.headers()
                .set(HttpHeaderNames.HOST, shape.authority())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .setInt(RESPONSE_BYTES_HEADER, shape.responseBytes());
        if (close) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        context.writeAndFlush(request, context.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpResponse response) {
                ok = response.status().equals(HttpResponseStatus.OK);
            }
            if (msg instanceof LastHttpContent && awaiting) {
                awaiting = false;
                binding.lane().completed(intended, ok);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!binding.hasLane()) {
            return;
        }
        if (awaiting) {
            awaiting = false;
            if (close) {
                binding.lane().completed(intended, false);
            } else {
                binding.lane().connectionLost();
            }
        } else if (!close) {
            binding.lane().connectionLost();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
