package io.trellis.perf.load;

import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;

/**
 * A load client's two attachments, the {@link Lane} it reports to and its place in the connection's pipeline, each set
 * once; using either before it is set is a wiring bug and fails fast. Shared by {@link Http1Client} and
 * {@link Http2Client}, which extend different Netty handler classes.
 */
final class ClientBinding {

    private @Nullable Lane lane;
    private @Nullable ChannelHandlerContext ctx;

    void bind(Lane lane) {
        this.lane = lane;
    }

    void joined(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    boolean hasLane() {
        return lane != null;
    }

    Lane lane() {
        Lane bound = lane;
        if (bound == null) {
            throw new IllegalStateException("client used before bind(lane)");
        }
        return bound;
    }

    ChannelHandlerContext context() {
        ChannelHandlerContext context = ctx;
        if (context == null) {
            throw new IllegalStateException("send before the client joined a pipeline");
        }
        return context;
    }
}
