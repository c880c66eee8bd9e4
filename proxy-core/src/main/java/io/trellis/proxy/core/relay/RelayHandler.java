package io.trellis.proxy.core.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.TunnelException;
import org.jspecify.annotations.Nullable;

/**
 * One direction of a {@link Relay}: reads its own channel and writes to the other. Runs on its own
 * channel's event loop; everything it shares with the other direction goes through {@link Relay}
 * atomics or thread-safe channel operations.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    final Relay relay;
    private final Channel peer;
    private final @Nullable Counter counter;
    private final boolean splice;
    private volatile long bytes;
    private boolean inputEnded;
    private volatile boolean outputEnded;

    RelayHandler(Relay relay, Channel peer, @Nullable Counter counter, boolean splice) {
        this.relay = relay;
        this.peer = peer;
        this.counter = counter;
        this.splice = splice;
    }

    long bytes() {
        return bytes;
    }

    /** The relay has ended this channel's output (FIN / END_STREAM queued). */
    void outputEnded() {
        outputEnded = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int n = buf.readableBytes();
        if (n == 0 || inputEnded) {
            buf.release();
            return;
        }
        bytes += n; // single writer: this channel's event loop
        if (counter != null) {
            counter.increment(n);
        }
        // Ownership of buf passes to the peer's outbound buffer; a failed write releases it and fires
        // exceptionCaught in the peer's pipeline, which aborts the relay.
        peer.write(buf, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (!splice) {
            readIfPeerWritable(ctx.channel());
        }
    }

    private void readIfPeerWritable(Channel self) {
        // Reading only while the peer is writable is the whole backpressure story: when the peer's
        // outbound buffer passes its high-water mark we stop, and its writability event restarts us.
        if (!inputEnded && peer.isWritable() && self.isActive()) {
            self.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!splice && ctx.channel().isWritable()) {
            // We can take more bytes again: let the other direction resume reading its channel.
            relay.handlerOf(peer).resumeFrom(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Called when the peer (our write target) drained; runs on any thread. */
    void resumeFrom(Channel target) {
        Channel self = relay.other(target);
        if (self.eventLoop().inEventLoop()) {
            readIfPeerWritable(self);
        } else {
            self.eventLoop().execute(() -> readIfPeerWritable(self));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (!inputEnded) {
                inputEnded = true;
                peer.flush();
                relay.inputEnded(ctx.channel());
            }
        } else if (evt instanceof PeerAborted aborted) {
            relay.abort(ctx.channel(), new TunnelException.StreamReset(aborted.reason(), null));
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are ordinary ends of a proxied connection: abort, do not log a trace.
        relay.abort(ctx.channel(), cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!relay.isFinished() && !(inputEnded && outputEnded)) {
            relay.abort(ctx.channel(), new SideClosed());
        }
        ctx.fireChannelInactive();
    }
}
