package io.trellis.proxy.core.hbone;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.PeerIdentities;

/**
 * Client side gate of an HBONE connection: after the TLS handshake it checks ALPN and that the
 * server is the expected identity (before a single byte of HTTP/2 is sent), then installs the HTTP/2
 * codec and reports readiness when the server's SETTINGS arrive.
 */
final class ClientConnectionHandler extends ChannelInboundHandlerAdapter {

    private final ClientConnection connection;
    private final PoolKey key;
    private final String peer;
    private final HboneMetrics metrics;
    private boolean handshakeDone;
    private boolean ready;

    ClientConnectionHandler(ClientConnection connection, PoolKey key, String peer, HboneMetrics metrics) {
        this.connection = connection;
        this.key = key;
        this.peer = peer;
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (!done.isSuccess()) {
            connection.fail(HandshakeErrors.client(peer, key.source().toString(), done.cause(), false));
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            connection.fail(new TunnelException.HandshakeFailed("HBONE peer " + peer + " did not negotiate ALPN h2 (got "
                    + ssl.applicationProtocol() + "); is it an HBONE endpoint?", null));
            return;
        }
        try {
            PeerIdentities.requireExpected(ssl.engine().getSession(), key.destination(), peer);
        } catch (TunnelException e) {
            connection.fail(e);
            return;
        }
        handshakeDone = true;
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(FlowControl.clientSettings())
                .build();
        ctx.pipeline().addBefore(ctx.name(), "h2", codec);
        ctx.pipeline().addBefore(ctx.name(), "streams", new Http2MultiplexHandler(new RefuseServerStreams()));
        FlowControl.raiseConnectionWindow(ctx.channel(), codec);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame settings && !ready) {
                ready = true;
                Long max = settings.settings().maxConcurrentStreams();
                connection.ready(max == null ? Long.MAX_VALUE : max);
            } else if (msg instanceof Http2GoAwayFrame) {
                connection.retire(); // the server is draining: open streams finish, new ones go elsewhere
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ready) {
            // In TLS 1.3 our handshake completes before the server checks our certificate, so its
            // rejection arrives here as an alert rather than as a handshake failure.
            connection.fail(HandshakeErrors.client(peer, key.source().toString(), cause, handshakeDone));
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ready && handshakeDone) {
            connection.fail(new TunnelException.HandshakeFailed("HBONE peer " + peer + " closed the connection after the "
                    + "TLS handshake without HTTP/2 SETTINGS; did it reject our certificate (" + key.source() + ")?", null));
        }
        ctx.fireChannelInactive();
    }

    /** Servers must not open streams towards us (we advertise max_concurrent_streams 0). */
    private static final class RefuseServerStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }
}
