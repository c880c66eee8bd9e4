package io.trellis.waypoint.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on an upstream HTTP/1.1 tunnel once a {@code 101} removed its HTTP codec, where only raw
 * bytes may be written. The exchange writes request parts from its own event loop, so the end of
 * the request (an empty {@link LastHttpContent}) can reach the tunnel's loop just after the 101
 * did; without the codec that message would reset the stream and with it the upgraded connection.
 * The empty end is dropped (the request is over on the wire); request bytes after the switch are
 * refused with a clear error, since the new protocol owns the connection from the 101 on.
 */
final class UpgradedTunnelGuard extends ChannelOutboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradedTunnelGuard.class);

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof HttpObject)) {
            ctx.write(msg, promise);
            return;
        }
        boolean emptyEnd = msg instanceof LastHttpContent last && !last.content().isReadable()
                && last.trailingHeaders().isEmpty();
        boolean emptyContent = msg instanceof HttpContent c && !c.content().isReadable();
        ReferenceCountUtil.release(msg);
        if (emptyEnd || emptyContent) {
            promise.trySuccess();
            return;
        }
        LOG.debug("event=upgrade_request_bytes_dropped channel={} message={}", ctx.channel(),
                msg.getClass().getSimpleName());
        promise.tryFailure(new IllegalStateException("request body after a 101 Switching Protocols: the upgraded "
                + "connection carries only the new protocol's bytes"));
    }
}
