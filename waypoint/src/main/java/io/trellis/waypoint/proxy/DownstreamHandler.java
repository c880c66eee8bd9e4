package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.jspecify.annotations.Nullable;

/**
 * The part of a downstream codec handler that does not depend on the protocol: it knows its
 * channel and HBONE connection, asks for request body by reading, and tells the exchange in
 * progress when the client can take more response. {@link Http1Connection} and {@link Http2Stream}
 * add how requests start and end on their protocol.
 */
abstract class DownstreamHandler extends ChannelInboundHandlerAdapter implements Downstream {

    final ProxyContext ctx;
    private final ConnectionInfo conn;
    private @Nullable Channel channel;

    DownstreamHandler(ProxyContext ctx, ConnectionInfo conn) {
        this.ctx = ctx;
        this.conn = conn;
    }

    /** The exchange the client is in, or null between requests. */
    abstract @Nullable Exchange exchange();

    @Override
    public void handlerAdded(ChannelHandlerContext hctx) {
        channel = hctx.channel();
    }

    @Override
    public final Channel channel() {
        Channel ch = channel;
        if (ch == null) {
            throw new IllegalStateException("handler not added");
        }
        return ch;
    }

    @Override
    public final ConnectionInfo connection() {
        return conn;
    }

    @Override
    public final void requestMoreBody() {
        channel().read();
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext hctx) {
        Exchange ex = exchange();
        if (ex != null && hctx.channel().isWritable()) {
            ex.onDownstreamWritable();
        }
        hctx.fireChannelWritabilityChanged();
    }
}
