package io.trellis.proxy.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.testkit.Await;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Socket-to-socket relay (the plaintext paths): bytes intact and half-close propagated on every
 * transport, and {@code splice(2)} on epoll.
 */
class PlainRelayTest {

    private static final long TOTAL = 64L << 20;

    static Stream<Transport> transports() {
        List<Transport> available = new ArrayList<>();
        for (Transport t : Transport.values()) {
            if (t.isAvailable()) {
                available.add(t);
            }
        }
        return available.stream();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void relaysBytesAndHalfClose(Transport transport) throws Exception {
        EventLoopGroup group = transport.newEventLoopGroup(1, "plain-relay");
        List<CompletableFuture<RelayResult>> results = new ArrayList<>();
        try {
            Channel upstream = new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Checksum());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(5));
            Channel proxy = ChannelTuning.server(new ServerBootstrap()).group(group).channel(transport.serverSocketChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel downstream) {
                            downstream.pipeline().addLast(new InboundHold());
                            connector.connect((InetSocketAddress) upstream.localAddress(), downstream.eventLoop())
                                    .addListener(f -> {
                                        if (f.isSuccess()) {
                                            Channel up = ((io.netty.channel.ChannelFuture) f).channel();
                                            assertThat(Relay.canSplice(downstream, up))
                                                    .isEqualTo(transport == Transport.EPOLL);
                                            results.add(Relay.start(downstream, up, null, null, false));
                                        } else {
                                            downstream.close();
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress entry = (InetSocketAddress) proxy.localAddress();
            CRC32 sent = new CRC32();
            try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                socket.setSoTimeout(60_000);
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                for (long written = 0; written < TOTAL; written += chunk.length) {
                    for (int i = 0; i < chunk.length; i += 4096) {
                        chunk[i] = (byte) (written / 4096 + i);
                    }
                    sent.update(chunk);
                    out.write(chunk);
                }
                socket.shutdownOutput();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                assertThat(in.readLong()).isEqualTo(TOTAL);
                assertThat(in.readLong()).isEqualTo(sent.getValue());
                assertThat(in.read()).as("FIN back").isEqualTo(-1);
            }
            Await.until("relay finished", Duration.ofSeconds(20), () -> !results.isEmpty() && results.getFirst().isDone());
            RelayResult result = results.getFirst().join();
            assertThat(result.clean()).isTrue();
            assertThat(result.bytesAtoB()).isEqualTo(TOTAL);
            assertThat(result.bytesBtoA()).isEqualTo(16);
            proxy.close().sync();
            upstream.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @org.junit.jupiter.api.Test
    void splicesOnEpollWithoutCopying() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Transport.EPOLL.isAvailable(), "epoll is not available here");
        Transport transport = Transport.EPOLL;
        EventLoopGroup group = transport.newEventLoopGroup(1, "splice-relay");
        List<CompletableFuture<RelayResult>> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            Channel upstream = new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Echo());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(5));
            Channel proxy = ChannelTuning.server(new ServerBootstrap()).group(group).channel(transport.serverSocketChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel downstream) {
                            downstream.pipeline().addLast(new InboundHold());
                            connector.connect((InetSocketAddress) upstream.localAddress(), downstream.eventLoop())
                                    .addListener(f -> results.add(Relay.start(downstream,
                                            ((io.netty.channel.ChannelFuture) f).channel(), null, null, true)));
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress entry = (InetSocketAddress) proxy.localAddress();
            byte[] payload = new byte[8 << 20];
            new java.util.Random(7).nextBytes(payload);
            try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                socket.setSoTimeout(60_000);
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        socket.getOutputStream().write(payload);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                byte[] back = new byte[payload.length];
                new DataInputStream(socket.getInputStream()).readFully(back);
                writer.join();
                assertThat(back).isEqualTo(payload);
                // FIN only once everything is through: see Relay's caveat on splice and half-close.
                socket.shutdownOutput();
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            Await.until("relay finished", Duration.ofSeconds(20), () -> !results.isEmpty() && results.getFirst().isDone());
            RelayResult result = results.getFirst().join();
            assertThat(result.clean()).isTrue();
            assertThat(result.bytesAtoB() + result.bytesBtoA()).as("spliced bytes never pass through user space").isZero();
            proxy.close().sync();
            upstream.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Echoes; answers FIN with FIN. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
            }
        }
    }

    /** Answers a FIN with the count and CRC32 of what it read, then FIN. */
    private static final class Checksum extends ChannelInboundHandlerAdapter {
        private final CRC32 crc = new CRC32();
        private long count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                count += buf.readableBytes();
                for (java.nio.ByteBuffer part : buf.nioBuffers()) {
                    crc.update(part);
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(ctx.alloc().buffer(16).writeLong(count).writeLong(crc.getValue()))
                        .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
            }
        }
    }
}
