package io.trellis.waypoint.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Chooses the downstream codec from the first bytes of a tunnel: the HTTP/2 connection preface
 * (prior knowledge, as gRPC and h2c clients send it) selects HTTP/2, anything else HTTP/1.1. The
 * service's appProtocol only decides what the upstream speaks, so a client may use either.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ProxyContext ctx;
    private final ConnectionInfo conn;
    private final HeaderReadDeadline headDeadline;

    ProtocolSniffer(ProxyContext ctx, ConnectionInfo conn, HeaderReadDeadline headDeadline) {
        this.ctx = ctx;
        this.conn = conn;
        this.headDeadline = headDeadline;
    }

    @Override
    public void channelActive(ChannelHandlerContext hctx) throws Exception {
        hctx.read();
        super.channelActive(hctx);
    }

    @Override
    protected void decode(ChannelHandlerContext hctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                Http1Connection.install(hctx.channel(), hctx.name(), ctx, conn, headDeadline);
                hctx.pipeline().remove(this); // the buffered bytes go on to the new codec
                return;
            }
        }
        if (n == PREFACE.length) {
            installHttp2(hctx);
            hctx.pipeline().remove(this);
        }
    }

    private void installHttp2(ChannelHandlerContext hctx) {
        Channel ch = hctx.channel();
        String name = hctx.name();
        // Sees the bytes before the codec (the preface included) to time each header block.
        Http2HeaderWatch watch = new Http2HeaderWatch(headDeadline);
        ch.pipeline().addAfter(name, "h2watch", watch);
        headDeadline.protocol(watch);
        // All-idle on the raw bytes, ahead of the codec: a connection quiet for the idle timeout with no
        // stream open is closed (as HTTP/1.1 keep-alives are), so idle HTTP/2 clients do not pin tunnels.
        ch.pipeline().addAfter("h2watch", "idle", new IdleTimer(ctx.settings().idleTimeout().toNanos()));
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1000)
                        .maxHeaderListSize(ctx.settings().maxHeaderBytes()))
                .build();
        ch.pipeline().addAfter("idle", "h2", codec);
        ch.pipeline().addAfter("h2", "mux", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Http2Stream(ctx, conn));
            }
        }));
        ch.pipeline().addAfter("mux", "eof", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    c.close(); // the client ended the tunnel: every stream on it is over
                } else if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                    c.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR))
                            .addListener(ChannelFutureListener.CLOSE);
                }
                ReferenceCountUtil.release(evt);
            }
        });
        // HTTP/2 control frames must always be read; per-stream windows bound the buffering.
        ch.config().setAutoRead(true);
    }
}
