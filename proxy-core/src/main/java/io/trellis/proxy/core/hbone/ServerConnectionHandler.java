package io.trellis.proxy.core.hbone;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.PeerIdentities;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gate of an accepted HBONE connection: waits for the TLS handshake, checks ALPN and the client's
 * identity, then swaps itself for the HTTP/2 codec whose streams get a {@link ConnectRequestHandler}.
 */
final class ServerConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnectionHandler.class);

    private final HboneServerConfig config;
    private final HboneHandler handler;
    private final HboneMetrics metrics;

    ServerConnectionHandler(HboneServerConfig config, HboneHandler handler, HboneMetrics metrics) {
        this.config = config;
        this.handler = handler;
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        InetSocketAddress peerAddress = (InetSocketAddress) ctx.channel().remoteAddress();
        String peer = String.valueOf(peerAddress);
        if (!done.isSuccess()) {
            reject(ctx, peerAddress, HandshakeErrors.server(peer, done.cause()));
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            reject(ctx, peerAddress, new TunnelException.HandshakeFailed("HBONE client " + peer
                    + " did not negotiate ALPN h2 (got " + ssl.applicationProtocol() + "); HBONE is HTTP/2 only", null));
            return;
        }
        SpiffeId identity;
        try {
            identity = PeerIdentities.of(ssl.engine().getSession());
        } catch (TunnelException e) {
            reject(ctx, peerAddress, e);
            return;
        }
        metrics.connectionsOpened.increment();
        LOG.debug("event=hbone_connection_accepted peer={} peer_addr={}", identity, peer);
        startHttp2(ctx, identity, peer);
    }

    /**
     * Swaps this gate for the HTTP/2 codec and the per-stream CONNECT handling of an authenticated client.
     * Package-private so the frame fuzzer can drive the same pipeline without TLS.
     */
    void startHttp2(ChannelHandlerContext ctx, SpiffeId identity, String peer) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(FlowControl.serverSettings(config.maxConcurrentStreams()))
                .frameLogger(metrics.protocolErrors)
                // Netty's reset limit counts the CANCEL of every normally finished tunnel too: RapidResetGuard instead.
                .decoderEnforceMaxRstFramesPerWindow(0, 0)
                .build();
        ctx.pipeline().replace(this, "h2", codec);
        ctx.pipeline().addLast("resets", new RapidResetGuard(codec.connection(), System::nanoTime));
        ctx.pipeline().addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false);
                StreamByteCodec bytes = new StreamByteCodec(peer, metrics);
                stream.pipeline().addLast("bytes", bytes);
                stream.pipeline().addLast("connect", new ConnectRequestHandler(handler, metrics, identity, bytes));
            }
        }));
        ctx.pipeline().addLast("errors", new ConnectionErrorLogger(identity));
        FlowControl.raiseConnectionWindow(ctx.channel(), codec);
    }

    private void reject(ChannelHandlerContext ctx, InetSocketAddress peer, TunnelException error) {
        metrics.connectionsFailed.increment();
        LOG.info("event=hbone_connection_rejected peer_addr={} reason=\"{}\"", peer, error.getMessage());
        try {
            handler.connectionRejected(peer, error);
        } finally {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Handshake failures arrive as the completion event; other errors before it end the connection.
        LOG.debug("event=hbone_connection_error peer_addr={} error=\"{}\"", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** Last handler of a live connection: connection-level errors close it, without a stack trace. */
    private static final class ConnectionErrorLogger extends ChannelInboundHandlerAdapter {
        private final SpiffeId peer;

        ConnectionErrorLogger(SpiffeId peer) {
            this.peer = peer;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("event=hbone_connection_error peer={} error=\"{}\"", peer, cause.toString());
            // The HTTP/2 codec reports a protocol violation here and then answers it itself with a GOAWAY carrying
            // the right code (ENHANCE_YOUR_CALM for a rapid-reset flood, PROTOCOL_ERROR, ...) before closing.
            // Closing first would send GOAWAY(NO_ERROR) and hide from the peer why it was cut off.
            if (!(cause instanceof Http2Exception)) {
                ctx.close();
            }
        }
    }
}
