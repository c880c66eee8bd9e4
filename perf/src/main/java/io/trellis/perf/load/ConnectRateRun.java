package io.trellis.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Promise;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * New connections per second, open loop: each arrival opens a connection for one request. At most
 * {@code maxConcurrent} are open at once; arrivals beyond that wait in the backlog (their wait is
 * latency) or, past {@code config.maxBacklog()}, are reported as overflowed.
 */
public final class ConnectRateRun {

    private ConnectRateRun() {}

    public static LoadResult run(EventLoop loop, Class<? extends SocketChannel> channelType, LoadConfig config,
            int maxConcurrent) throws Exception {
        ByteBuf body = config.requestBytes() == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(config.requestBytes()).writeZero(config.requestBytes()));
        try {
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            long end = start + config.warmup().toNanos() + config.duration().toNanos();
            LoadStats stats = new LoadStats(start + config.warmup().toNanos());
            ConnectingSender sender = new ConnectingSender(loop, channelType, config.target(), body,
                    config.responseBytes());
            Lane lane = new Lane(sender, stats, NanoClock.SYSTEM, maxConcurrent, config.maxBacklog());
            sender.bind(lane);
            OpenLoopDriver driver = new OpenLoopDriver(Arrivals.of(config.arrivals(), config.rate(), config.seed()),
                    List.of(lane), start, end);
            Promise<Long> done = loop.newPromise();
            long drainNanos = config.drainTimeout().toNanos();
            loop.execute(new Runnable() {
                private long deadline;

                @Override
                public void run() {
                    long now = System.nanoTime();
                    long next = driver.tick(now);
                    if (next != Long.MIN_VALUE) {
                        loop.schedule(this, next - now, TimeUnit.NANOSECONDS);
                        return;
                    }
                    if (deadline == 0) {
                        deadline = now + drainNanos;
                    }
                    if (driver.outstanding() == 0 || now - deadline >= 0) {
                        done.trySuccess((long) driver.outstanding());
                    } else {
                        loop.schedule(this, 1, TimeUnit.MILLISECONDS);
                    }
                }
            });
            long unfinished = done.sync().getNow();
            return LoadResult.of("connect", maxConcurrent, config.rate(), config.duration().toNanos() / 1e9,
                    stats, unfinished);
        } finally {
            if (body != Unpooled.EMPTY_BUFFER) {
                body.unwrap().release();
            }
        }
    }
}
