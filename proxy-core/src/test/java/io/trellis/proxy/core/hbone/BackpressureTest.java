package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A reader that stops reading throttles the writer at the far end of the tunnel: the upstream's
 * socket stops being writable, and what the proxies hold stays bounded.
 */
class BackpressureTest {

    /**
     * What may legitimately sit between the stalled reader and the writer: kernel socket buffers of
     * three TCP connections (autotuned up to a few MiB each on loopback), the HTTP/2 stream window
     * (4 MiB), and the relays' write watermarks. Without backpressure the writer never stalls.
     */
    private static final long IN_FLIGHT_BOUND = 64L << 20;
    /** Pooled memory the proxies may hold while stalled: stream window + watermarks + TLS buffers. */
    private static final long PROXY_MEMORY_BOUND = 24L << 20;

    /** Netty 4.2's default allocator (adaptive) is what the proxies' channels allocate from. */
    private static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    @Test
    void stalledReaderStopsTheWriterWithBoundedMemory() throws Exception {
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(2, "backpressure-test");
        Firehose firehose = new Firehose();
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(() -> firehose).localAddress();
            InetSocketAddress entry = fixture.entryTo(upstream);
            long directBefore = directMemory();
            try (Socket socket = new Socket()) {
                socket.setReceiveBufferSize(64 * 1024); // a fixed, small window: no autotuning on our side
                socket.setSoTimeout(60_000);
                socket.connect(entry);
                // Read nothing. The writer must come to a stop.
                Await.until("upstream writer blocked by backpressure", Duration.ofSeconds(60), firehose::stalled);
                long produced = firehose.produced.get();
                long proxyMemory = directMemory() - directBefore;
                System.out.printf("event=backpressure_measured produced_bytes=%d proxy_direct_bytes=%d%n", produced,
                        proxyMemory);
                assertThat(produced).as("bytes the writer got out before stalling").isLessThan(IN_FLIGHT_BOUND);
                assertThat(proxyMemory).as("pooled direct memory held while stalled").isLessThan(PROXY_MEMORY_BOUND);

                // Now read: the bytes arrive in order and the writer resumes.
                long resumeStart = System.nanoTime();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] got = new byte[(int) Math.min(produced + (1 << 20), 32 << 20)];
                in.readFully(got);
                for (int i = 0; i < got.length; i++) {
                    if (got[i] != Firehose.byteAt(i)) {
                        throw new AssertionError("byte " + i + " is " + got[i] + ", expected " + Firehose.byteAt(i));
                    }
                }
                System.out.printf("event=backpressure_resumed bytes=%d millis=%d%n", got.length,
                        (System.nanoTime() - resumeStart) / 1_000_000);
                assertThat(firehose.produced.get()).as("writer resumed").isGreaterThan(produced);
            }
        } finally {
            firehose.stop();
            // A short quiet period lets the loops finish writes still in flight (io_uring completes them
            // after the close) so their buffers are released before the loops stop.
            group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    /** Writes a known byte pattern as fast as its socket accepts it. */
    static final class Firehose extends ChannelInboundHandlerAdapter {
        private static final int CHUNK = 64 * 1024;
        /** The pattern from any offset is a slice of this (byte i is i mod 251). */
        private static final byte[] PATTERN = new byte[CHUNK + 251];

        static {
            for (int i = 0; i < PATTERN.length; i++) {
                PATTERN[i] = byteAt(i);
            }
        }
        final AtomicLong produced = new AtomicLong();
        final AtomicReference<Channel> channel = new AtomicReference<>();
        private static final long QUIET_NANOS = Duration.ofMillis(500).toNanos();
        private volatile boolean stopped;
        private volatile long lastWritten = System.nanoTime();

        static byte byteAt(long offset) {
            return (byte) (offset % 251);
        }

        /** Unwritable, and no write has completed for a while: the bytes have nowhere left to go. */
        boolean stalled() {
            Channel ch = channel.get();
            return ch != null && !ch.isWritable() && System.nanoTime() - lastWritten > QUIET_NANOS;
        }

        void stop() {
            stopped = true;
            Channel ch = channel.get();
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel.set(ctx.channel());
            pump(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            while (!stopped && ctx.channel().isWritable()) {
                long offset = produced.get();
                ByteBuf chunk = ctx.alloc().directBuffer(CHUNK);
                chunk.writeBytes(PATTERN, (int) (offset % 251), CHUNK);
                produced.addAndGet(CHUNK);
                ctx.writeAndFlush(chunk).addListener(f -> lastWritten = System.nanoTime());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
