package io.trellis.perf.echo;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;

/**
 * Single-stream throughput: writes {@code totalBytes} as fast as the path accepts them (only
 * while the channel is writable, so the sender never buffers more than the high water mark) and
 * stops the clock when the {@link EchoServer.Mode#SINK sink} confirms the last byte arrived.
 */
public final class BulkRun {

    /** Size of each write: large enough that per-write overhead is negligible. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private BulkRun() {}

    /** Returns the elapsed nanoseconds for the whole transfer. */
    public static long run(EventLoopGroup group, Class<? extends SocketChannel> channelType,
            InetSocketAddress sink, long totalBytes) throws Exception {
        ByteBuf chunk = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(CHUNK_BYTES).writeZero(CHUNK_BYTES));
        Promise<Long> done = group.next().newPromise();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(new Sender(chunk, totalBytes, done))
                .connect(sink).sync().channel();
        try {
            return done.sync().getNow();
        } finally {
            channel.close().syncUninterruptibly();
            chunk.unwrap().release();
        }
    }

    private static final class Sender extends ChannelInboundHandlerAdapter {
        private final ByteBuf chunk;
        private final long total;
        private final Promise<Long> done;
        private long written;
        private long startedAt;

        Sender(ByteBuf chunk, long total, Promise<Long> done) {
            this.chunk = chunk;
            this.total = total;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            startedAt = System.nanoTime();
            writeWhileWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
        }

        private void writeWhileWritable(ChannelHandlerContext ctx) {
            while (written < total && ctx.channel().isWritable()) {
                int size = (int) Math.min(CHUNK_BYTES, total - written);
                written += size;
                ctx.write(chunk.duplicate().writerIndex(size));
            }
            ctx.flush();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            done.trySuccess(System.nanoTime() - startedAt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.tryFailure(new IllegalStateException("connection closed before the sink confirmed "
                    + total + " bytes (" + written + " written)"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.tryFailure(cause);
            ctx.close();
        }
    }
}
