package io.trellis.waypoint.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a connection has neither read nor written
 * for the timeout (again after each further timeout while it stays idle), as Netty's
 * {@code IdleStateHandler} in all-idle mode does, for the handlers after it to close the connection.
 *
 * <p>Why not {@code IdleStateHandler}: it learns of writes by a listener on each write's promise,
 * so it turns every void promise into a real one and adds a listener: two or three objects per
 * write, on every response part the waypoint sends. This handler notes the time of each read and
 * each write call instead (a write waiting in the outbound buffer counts from when it was made) and
 * keeps one timer per connection, re-armed only when it fires.
 */
final class IdleTimer extends ChannelDuplexHandler {

    private final long timeoutNanos;
    private long lastActivity;
    private @Nullable ChannelHandlerContext context;
    private @Nullable ScheduledFuture<?> timer;
    private boolean stopped;

    IdleTimer(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("an idle timeout must be positive, got " + timeoutNanos + " ns");
        }
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivity = ctx.executor().ticker().nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastActivity = ctx.executor().ticker().nanoTime();
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null || stopped) {
            return;
        }
        lastActivity = ctx.executor().ticker().nanoTime();
        timer = ctx.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        stopped = true;
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void check() {
        ChannelHandlerContext ctx = context;
        if (stopped || ctx == null || !ctx.channel().isOpen()) {
            return;
        }
        long left = timeoutNanos - (ctx.executor().ticker().nanoTime() - lastActivity);
        boolean idle = left <= 0;
        // re-armed before the event: a handler that reacts by closing the channel stops it again
        timer = ctx.executor().schedule(this::check, idle ? timeoutNanos : left, TimeUnit.NANOSECONDS);
        if (idle) {
            ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        }
    }
}
