package io.trellis.perf.echo;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * Sends one payload, waits until the same number of bytes came back, records the round trip,
 * and repeats: the request/response latency of one connection with nothing else in flight.
 * The first {@code warmup} round trips are not recorded (JIT, TLS session and pool warm-up).
 */
public final class PingPongRun {

    /** Highest latency the histogram tracks: 10 s, in microseconds. */
    private static final long MAX_TRACKED_MICROS = 10_000_000L;

    private PingPongRun() {}

    /** Runs against {@code target} and returns round-trip times in microseconds. */
    public static Histogram run(EventLoopGroup group, Class<? extends SocketChannel> channelType,
            InetSocketAddress target, int payloadBytes, int warmup, int iterations) throws Exception {
        byte[] bytes = new byte[payloadBytes];
        ThreadLocalRandom.current().nextBytes(bytes);
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(payloadBytes).writeBytes(bytes));
        Histogram histogram = new Histogram(MAX_TRACKED_MICROS, 3);
        Promise<Void> done = group.next().newPromise();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new Client(payload, warmup, iterations, histogram, done))
                .connect(target).sync().channel();
        try {
            done.sync();
        } finally {
            channel.close().syncUninterruptibly();
            payload.unwrap().release();
        }
        return histogram;
    }

    /** Owns the state of one run; every callback runs on the channel's event loop. */
    private static final class Client extends ChannelInboundHandlerAdapter {
        private final ByteBuf payload;
        private final int warmup;
        private final int total;
        private final Histogram histogram;
        private final Promise<Void> done;
        private int completed;
        private int pending;
        private long sentAt;

        Client(ByteBuf payload, int warmup, int iterations, Histogram histogram, Promise<Void> done) {
            this.payload = payload;
            this.warmup = warmup;
            this.total = warmup + iterations;
            this.histogram = histogram;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            pending = payload.readableBytes();
            sentAt = System.nanoTime();
            ctx.writeAndFlush(payload.duplicate());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            pending -= buf.readableBytes();
            buf.release();
            if (pending > 0) {
                return;
            }
            long micros = (System.nanoTime() - sentAt) / 1_000;
            if (completed++ >= warmup) {
                histogram.recordValue(Math.min(micros, MAX_TRACKED_MICROS));
            }
            if (pending < 0) {
                done.tryFailure(new IllegalStateException("echo returned more bytes than were sent"));
            } else if (completed == total) {
                done.trySuccess(null);
            } else {
                send(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.tryFailure(new IllegalStateException(
                    "connection closed after " + completed + " of " + total + " round trips"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.tryFailure(cause);
            ctx.close();
        }
    }
}
