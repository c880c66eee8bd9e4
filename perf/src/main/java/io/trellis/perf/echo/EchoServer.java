package io.trellis.perf.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;

/**
 * A TCP server on loopback that either echoes what it reads ({@link Mode#ECHO}) or counts it and
 * answers one byte once a connection has delivered the expected amount ({@link Mode#SINK}).
 * The sink lets a bulk sender measure when the last byte arrived, not when it left.
 */
public final class EchoServer implements AutoCloseable {

    /** What the server does with the bytes it reads. */
    public enum Mode { ECHO, SINK }

    private final Channel channel;

    private EchoServer(Channel channel) {
        this.channel = channel;
    }

    /** Binds on 127.0.0.1 and an ephemeral port. {@code sinkBytes} is only used in {@link Mode#SINK}. */
    public static EchoServer start(EventLoopGroup group, Class<? extends ServerChannel> channelType,
            Mode mode, long sinkBytes) throws InterruptedException {
        return start(group, channelType, mode, sinkBytes, new InetSocketAddress("127.0.0.1", 0));
    }

    /**
     * Binds on {@code bind}: the lab's sink listens on every address of its pod, where captured and tunnelled
     * traffic arrives. Every connection counts its own bytes, so one server takes many transfers.
     */
    public static EchoServer start(EventLoopGroup group, Class<? extends ServerChannel> channelType,
            Mode mode, long sinkBytes, InetSocketAddress bind) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(mode == Mode.ECHO ? Echo.INSTANCE : new Sink.Initializer(sinkBytes));
        Channel bound = bootstrap.bind(bind).sync().channel();
        return new EchoServer(bound);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** Writes every buffer back as it is: ownership of the read buffer passes to the write. */
    @Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Counts and releases; writes a single byte once {@code expected} bytes have arrived. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        private final long expected;
        private long received;

        Sink(long expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received == expected) {
                ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(1));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        static final class Initializer extends io.netty.channel.ChannelInitializer<Channel> {
            private final long expected;

            Initializer(long expected) {
                this.expected = expected;
            }

            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Sink(expected));
            }
        }
    }
}
