package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends a draining pod's inbound HBONE connections without failing a stream: a GOAWAY that still admits every stream
 * id, then, after {@code settle}, the graceful close (a final GOAWAY naming the last stream, open streams finish).
 *
 * <p>Why two steps (as gRPC servers do): a peer may open a stream in the instant a GOAWAY is on the wire. A single
 * GOAWAY names the last stream the server has seen, so that stream would be refused and its connection fail. The
 * first GOAWAY only tells the peer to open new streams elsewhere (its pool retires the connection and dials again,
 * reaching whichever listener is left); streams already on their way are still served.
 */
final class HboneDrain {

    private HboneDrain() {
    }

    /** Starts the two steps on every connection in {@code connections}; returns at once. */
    static void start(ChannelGroup connections, Duration settle) {
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                if (ch.pipeline().get(Http2FrameCodec.class) != null) {
                    // extraStreamIds: the codec adds them to the last stream seen, capped at the maximum id.
                    ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE))
                            .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
                }
                // Still in the TLS handshake: no streams yet; the close below ends it once the peer had its chance.
                ch.eventLoop().schedule(() -> {
                    ch.close();
                }, settle.toMillis(), TimeUnit.MILLISECONDS);
            });
        }
    }
}
