package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * The front of one pod's 15008 listener: admits a connection within the pod's budget, installs the
 * HBONE server's pipeline, and closes the connection if no CONNECT has arrived by the deadline (a
 * peer that opens TCP, or finishes TLS, and then stalls holds memory and a slot for nothing).
 *
 * <p>Where it watches: added after the server's initializer, it ends up between the HTTP/2 codec
 * (which replaces the TLS gate in place) and the stream multiplexer (which the gate adds last), so
 * the first HEADERS frame it sees is the first CONNECT, and then it leaves the pipeline.
 */
@ChannelHandler.Sharable
final class HboneAdmission extends ChannelInitializer<Channel> {

    private final InboundGuards.Guard guard;
    private final ChannelHandler server;

    HboneAdmission(InboundGuards.Guard guard, ChannelHandler server) {
        this.guard = guard;
        this.server = server;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!guard.admit(ch)) {
            return;
        }
        Runnable connected = guard.arm(ch);
        ch.pipeline().addLast("hbone", server);
        ch.pipeline().addLast("first-connect", new FirstActivity(m -> m instanceof Http2HeadersFrame, connected));
    }
}
