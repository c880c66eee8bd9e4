package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Half-close and abort travel through the tunnel the way TCP applications expect. */
class RelaySemanticsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Transport transport;
    private static EventLoopGroup group;
    private TunnelFixture fixture;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "relay-test");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void fixture() {
        fixture = new TunnelFixture(transport, group);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private Socket connectThrough(ChannelInboundHandlerAdapter upstreamHandler) throws Exception {
        InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(() -> upstreamHandler).localAddress();
        InetSocketAddress entry = fixture.entryTo(upstream);
        Socket socket = new Socket(entry.getAddress(), entry.getPort());
        socket.setSoTimeout(30_000); // a hang fails the test instead of the build
        return socket;
    }

    @Test
    void clientHalfCloseStillReceivesReply() throws Exception {
        try (Socket socket = connectThrough(new TestApps.Echo())) {
            socket.getOutputStream().write("request".getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput(); // FIN before the reply has been read
            byte[] reply = socket.getInputStream().readAllBytes();
            assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("request");
        }
    }

    @Test
    void serverHalfCloseStillReceivesClientData() throws Exception {
        Greeter greeter = new Greeter();
        try (Socket socket = connectThrough(greeter)) {
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("greeting");
            // The upstream has closed its side; ours stays open and still delivers.
            socket.getOutputStream().write("late words".getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
            Await.until("upstream got our data and FIN", WAIT, () -> greeter.finSeen.get());
            assertThat(greeter.received.toString()).isEqualTo("late words");
        }
    }

    @Test
    void upstreamResetReachesClientAsReset() throws Exception {
        try (Socket socket = connectThrough(new Resetter())) {
            socket.getOutputStream().write("boom".getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            assertThatThrownBy(() -> {
                while (in.read() != -1) {
                    // drain until the reset surfaces
                }
            }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
    }

    @Test
    void clientAbortReachesUpstreamAsClose() throws Exception {
        Recorder recorder = new Recorder();
        Socket socket = connectThrough(recorder);
        socket.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
        byte[] echo = new byte[2];
        new DataInputStream(socket.getInputStream()).readFully(echo);
        socket.setSoLinger(true, 0);
        socket.close(); // RST
        Await.until("upstream connection closed", WAIT, () -> recorder.closed.get());
        assertThat(recorder.finSeen.get()).as("an abort must not look like an orderly FIN").isFalse();
    }

    /** Sends a greeting and FIN at once, then collects what the client sends until its FIN. */
    static final class Greeter extends ChannelInboundHandlerAdapter {
        final StringBuffer received = new StringBuffer();
        final AtomicBoolean finSeen = new AtomicBoolean();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.copiedBuffer("greeting", StandardCharsets.UTF_8))
                    .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                finSeen.set(true);
                ctx.close();
            }
        }
    }

    /** Resets the connection as soon as anything arrives. */
    static final class Resetter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
        }
    }

    /** Echoes and records how the connection ended. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicBoolean finSeen = new AtomicBoolean();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                finSeen.set(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.set(true);
        }
    }
}
