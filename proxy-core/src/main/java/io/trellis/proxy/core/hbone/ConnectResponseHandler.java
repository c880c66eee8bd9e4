package io.trellis.proxy.core.hbone;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.relay.PeerAborted;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Client side of one HBONE stream until the server answers the CONNECT.
 *
 * <p>A stream above the last stream id of a GOAWAY the server sent was never processed by it (RFC 9113
 * section 6.8), so it is opened again on another connection once ({@code retryUnprocessed}) instead of
 * failing: a server closing a connection (draining, idle, an error) must not fail the request that raced it.
 */
final class ConnectResponseHandler extends ChannelInboundHandlerAdapter {

    private final TunnelRequest request;
    private final CompletableFuture<Http2StreamChannel> result;
    private final StreamByteCodec codec;
    private final HboneMetrics metrics;
    private final @Nullable Runnable retryUnprocessed;
    private boolean answered;
    private boolean unprocessed;

    ConnectResponseHandler(TunnelRequest request, CompletableFuture<Http2StreamChannel> result, StreamByteCodec codec,
            HboneMetrics metrics, @Nullable Runnable retryUnprocessed) {
        this.request = request;
        this.result = result;
        this.codec = codec;
        this.metrics = metrics;
        this.retryUnprocessed = retryUnprocessed;
    }

    private String describe() {
        return "HBONE CONNECT to " + Authority.format(request.target()) + " via " + Authority.format(request.hboneAddress())
                + " (" + request.destinationIdentity() + ")";
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answered || !(msg instanceof Http2HeadersFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        CharSequence status = frame.headers().status();
        String code = status == null ? "" : status.toString();
        if (code.length() == 3 && code.charAt(0) == '1') {
            return; // informational; keep waiting for the final answer
        }
        answered = true;
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        if (code.equals("200")) {
            codec.established();
            ctx.pipeline().replace(this, "hold", new InboundHold());
            if (frame.isEndStream()) {
                stream.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            metrics.streamsOpened.increment();
            stream.closeFuture().addListener(f -> metrics.streamsClosed.increment());
            if (!result.complete(stream)) {
                stream.close();
            }
            return;
        }
        CharSequence reasonHeader = frame.headers().get(HboneHeaders.REASON);
        String reason = reasonHeader == null ? "no reason given" : reasonHeader.toString();
        int statusCode = parseStatus(code);
        metrics.rejected(statusCode);
        result.completeExceptionally(new TunnelException.Rejected(statusCode, reason,
                describe() + " rejected with " + code + ": " + reason));
        ctx.close();
    }

    private static int parseStatus(String code) {
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!answered) {
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!answered && evt instanceof PeerAborted aborted) {
            answered = true;
            result.completeExceptionally(new TunnelException.StreamReset(describe() + " was reset before an answer: "
                    + aborted.reason(), null));
            ctx.close();
            return;
        }
        if (!answered && evt instanceof Http2GoAwayFrame goAway) {
            // Netty tells the streams above the GOAWAY's last stream id, then closes them.
            unprocessed |= ((Http2StreamChannel) ctx.channel()).stream().id() > goAway.lastStreamId();
            goAway.release();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!answered) {
            answered = true;
            result.completeExceptionally(new TunnelException.StreamReset(describe() + " failed: " + cause.getMessage(), cause));
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!answered) {
            answered = true;
            if (unprocessed && retryUnprocessed != null) {
                retryUnprocessed.run();
            } else {
                result.completeExceptionally(new TunnelException.StreamReset(describe() + " ended before the server "
                        + "answered (connection lost or stream refused" + (unprocessed ? ", twice" : "") + ")", null));
            }
        }
        ctx.fireChannelInactive();
    }
}
