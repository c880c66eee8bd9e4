package io.trellis.waypoint.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.relay.InboundHold;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 connection terminated on a tunnel: one exchange at a time (pipelined requests wait
 * in order), keep-alive, graceful close with a FIN once the response is out, and the hand-over of
 * the raw connection after a {@code 101 Switching Protocols}.
 */
final class Http1Connection extends DownstreamHandler implements HeaderReadDeadline.Expiry {

    private static final Logger LOG = LoggerFactory.getLogger(Http1Connection.class);

    private final ArrayDeque<HttpObject> backlog = new ArrayDeque<>();
    private final HeaderReadDeadline headDeadline;
    private @Nullable Exchange current;
    private boolean inputEnded;
    private boolean closing;

    Http1Connection(ProxyContext ctx, ConnectionInfo conn, HeaderReadDeadline headDeadline) {
        super(ctx, conn);
        this.headDeadline = headDeadline;
    }

    /**
     * Installs the HTTP/1.1 server pipeline after {@code afterName} on {@code ch}; {@code headDeadline}
     * (earlier in the pipeline, so it sees raw bytes) bounds the time to send each request head.
     */
    static void install(Channel ch, String afterName, ProxyContext ctx, ConnectionInfo conn,
            HeaderReadDeadline headDeadline) {
        ProxySettings s = ctx.settings();
        ch.pipeline().addAfter(afterName, "idle", new IdleTimer(s.idleTimeout().toNanos()));
        ch.pipeline().addAfter("idle", "http1", new HttpServerCodec(8192, s.maxHeaderBytes(), 64 * 1024));
        ch.pipeline().addAfter("http1", "continue", new HttpServerExpectContinueHandler());
        Http1Connection connection = new Http1Connection(ctx, conn, headDeadline);
        ch.pipeline().addAfter("continue", "exchanges", connection);
        headDeadline.protocol(connection);
    }

    @Override
    public void channelRead(ChannelHandlerContext hctx, Object msg) {
        if (!(msg instanceof HttpObject obj) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!backlog.isEmpty() || (current != null && obj instanceof HttpRequest)) {
            backlog.add(obj); // pipelined: served in order once the current exchange is done
            return;
        }
        dispatch(obj);
    }

    private void dispatch(HttpObject obj) {
        if (obj instanceof HttpRequest req) {
            headDeadline.disarm();
            if (req.decoderResult().isFailure()) {
                ReferenceCountUtil.release(req);
                badRequest(req.decoderResult().cause());
                return;
            }
            boolean bodyExpected = HttpUtil.isTransferEncodingChunked(req)
                    || req.headers().getInt(HttpHeaderNames.CONTENT_LENGTH, 0) > 0;
            Exchange ex = new Exchange(ctx, this, req, bodyExpected);
            current = ex;
            ex.start();
            if (obj instanceof HttpContent content) {
                ex.onBody(content);
            }
        } else if (obj instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                Exchange ex = current;
                if (ex != null) {
                    ex.onDownstreamClosed();
                }
                badRequest(content.decoderResult().cause());
                return;
            }
            Exchange ex = current;
            if (ex == null) {
                content.release(); // the rest of a body whose exchange already answered
            } else {
                ex.onBody(content);
            }
        }
    }

    private void badRequest(Throwable cause) {
        LOG.debug("event=http1_bad_request peer={} error=\"{}\"", connection().peer(), cause.toString());
        Channel ch = channel();
        var r = LocalReplies.build(ch.alloc(), 400, "bad request: " + cause.getMessage(), null, null, false);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeAndFlush(r);
        closeGracefully();
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    @Nullable Exchange exchange() {
        return current;
    }

    @Override
    public void exchangeDone(boolean reusable) {
        current = null;
        if (!reusable || closing) {
            closeGracefully();
            return;
        }
        headDeadline.armAtNextByte(); // a pipelined head already parsed disarms it again at once
        while (!backlog.isEmpty() && current == null) {
            dispatch(backlog.poll());
        }
        if (current == null) {
            if (inputEnded) {
                closeGracefully();
            } else {
                channel().read();
            }
        }
    }

    /**
     * The client took longer than the header read timeout for a request head: a 408 with
     * {@code Connection: close}, then FIN and close without waiting for the client (a slow client is
     * not owed a graceful end).
     */
    @Override
    public void headerReadTimedOut() {
        if (current != null || closing) {
            return; // a head arrived meanwhile; the exchange's own timeouts apply
        }
        closing = true;
        headDeadline.disarm();
        releaseBacklog();
        Channel ch = channel();
        var r = LocalReplies.build(ch.alloc(), 408, "request header read timeout: the request head did not arrive "
                + "within " + ctx.settings().headerReadTimeout().toMillis() + " ms", null, null, false);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeAndFlush(r).addListener(f -> {
            if (ch instanceof DuplexChannel d && f.isSuccess()) {
                d.shutdownOutput().addListener(x -> ch.close());
            } else {
                ch.close();
            }
        });
    }

    /** FIN after the queued response; close once the client ends too (or the idle timer fires). */
    private void closeGracefully() {
        if (closing) {
            return;
        }
        closing = true;
        headDeadline.disarm();
        releaseBacklog();
        Channel ch = channel();
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (ch instanceof DuplexChannel d && f.isSuccess()) {
                d.shutdownOutput();
                if (inputEnded) {
                    ch.close();
                } else {
                    ch.read(); // to see the client's FIN
                }
            } else {
                ch.close();
            }
        });
    }

    @Override
    public Channel takeOverForUpgrade() {
        Channel ch = channel();
        releaseBacklog();
        headDeadline.disarm();
        ch.pipeline().replace(this, "hold", new InboundHold());
        ch.pipeline().remove("continue");
        ch.pipeline().remove("idle");
        ch.pipeline().remove("http1"); // bytes it buffered after the upgrade request go to the hold
        return ch;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext hctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            Exchange ex = current;
            if (ex == null) {
                if (closing) {
                    hctx.close();
                } else {
                    closeGracefully();
                }
            } else if (!ex.requestDone()) {
                // A FIN inside the request (truncated body) is the client giving up: abort it (DC)
                // rather than hold it until a timeout. A FIN after a whole request is a half-close,
                // and that request is still answered (see HalfCloseTest for why).
                ex.onDownstreamClosed();
            }
        } else if (evt instanceof IdleStateEvent && current == null) {
            hctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext hctx) {
        releaseBacklog();
        Exchange ex = current;
        current = null;
        if (ex != null) {
            ex.onDownstreamClosed();
        }
        hctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext hctx, Throwable cause) {
        LOG.debug("event=http1_error peer={} error=\"{}\"", connection().peer(), cause.toString());
        hctx.close();
    }

    private void releaseBacklog() {
        while (!backlog.isEmpty()) {
            ReferenceCountUtil.release(backlog.poll());
        }
    }
}
