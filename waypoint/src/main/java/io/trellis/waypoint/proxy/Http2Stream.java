package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 stream of a downstream connection (a child channel converted to {@code HttpObject}s
 * by Netty's {@code Http2StreamFrameToHttpObjectCodec}): exactly one exchange.
 */
final class Http2Stream extends DownstreamHandler {

    private @Nullable Exchange exchange;

    Http2Stream(ProxyContext ctx, ConnectionInfo conn) {
        super(ctx, conn);
    }

    @Override
    @Nullable Exchange exchange() {
        return exchange;
    }

    @Override
    public void channelActive(ChannelHandlerContext hctx) {
        hctx.read();
        hctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext hctx, Object msg) {
        if (msg instanceof HttpRequest req && exchange == null) {
            if (req instanceof FullHttpRequest full) {
                // Headers with END_STREAM: the whole request; its (empty) body still goes through the exchange.
                HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
                Exchange ex = new Exchange(ctx, this, head, false);
                exchange = ex;
                ex.start();
                ex.onBody(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            } else {
                Exchange ex = new Exchange(ctx, this, req, true);
                exchange = ex;
                ex.start();
            }
        } else if (msg instanceof HttpContent content && exchange != null) {
            exchange.onBody(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext hctx) {
        // The exchange asks for more body when the upstream can take it.
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    @Override
    public void exchangeDone(boolean reusable) {
        if (!reusable) {
            // The request is still streaming: end the stream rather than read a body nobody wants.
            channel().close();
        }
    }

    @Override
    public Channel takeOverForUpgrade() {
        throw new IllegalStateException("HTTP/2 has no Upgrade; extended CONNECT is not supported");
    }

    @Override
    public void channelInactive(ChannelHandlerContext hctx) {
        Exchange ex = exchange;
        if (ex != null) {
            ex.onDownstreamClosed();
        }
        hctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext hctx, Throwable cause) {
        hctx.close();
    }
}
