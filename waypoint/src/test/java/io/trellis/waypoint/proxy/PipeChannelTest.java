package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The in-process pipe behaves like a socket to its two users: order, FIN, abort, backpressure. */
class PipeChannelTest {

    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterAll
    static void shutdown() {
        GROUP.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Records what the second end reads; reads only when asked. */
    static final class Reader extends ChannelInboundHandlerAdapter {
        final List<String> events = new CopyOnWriteArrayList<>();
        final StringBuilder text = new StringBuilder();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            synchronized (text) {
                text.append(b.toString(StandardCharsets.UTF_8));
            }
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                events.add("fin:" + text);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("closed:" + text);
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }

    static PipeChannel[] pair(EventLoop loop, Reader reader) throws Exception {
        CompletableFuture<PipeChannel[]> made = new CompletableFuture<>();
        loop.execute(() -> made.complete(PipeChannel.pair(loop, new InetSocketAddress("10.0.0.1", 80),
                new InetSocketAddress("10.0.0.2", 5000), b -> b.pipeline().addLast(reader))));
        return made.get(5, TimeUnit.SECONDS);
    }

    static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void bytesArriveInOrderOnlyWhenReadAndFinFollowsTheData() throws Exception {
        Reader reader = new Reader();
        PipeChannel[] p = pair(GROUP.next(), reader);
        p[0].writeAndFlush(text("hello "));
        p[0].writeAndFlush(text("world"));
        p[0].writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> p[0].shutdownOutput());
        assertThat(reader.text()).as("nothing is delivered before a read").isEmpty();
        p[1].read();
        Await.until("data and FIN delivered", Duration.ofSeconds(5), () -> !reader.events.isEmpty());
        assertThat(reader.events).containsExactly("fin:hello world");
        assertThat(p[1].isInputShutdown()).isTrue();
        assertThat(p[0].isOutputShutdown()).isTrue();
        p[1].close().sync();
        Await.until("close reaches the other end", Duration.ofSeconds(5), () -> !p[0].isOpen());
    }

    @Test
    void closeIsAnAbortThatStillDeliversQueuedBytesFirst() throws Exception {
        Reader reader = new Reader();
        PipeChannel[] p = pair(GROUP.next(), reader);
        p[0].writeAndFlush(text("last words")).addListener(f -> p[0].close());
        Await.until("writer closed", Duration.ofSeconds(5), () -> !p[0].isOpen());
        p[1].read();
        Await.until("reader closed", Duration.ofSeconds(5), () -> !p[1].isOpen());
        assertThat(reader.events).containsExactly("closed:last words");
    }

    @Test
    void anUnreadPeerMakesTheWriterUnwritableAndReadingRestoresIt() throws Exception {
        Reader reader = new Reader();
        PipeChannel[] p = pair(GROUP.next(), reader);
        int chunk = 16 * 1024;
        int written = 0;
        while (written < (4 << 20)) {
            p[0].writeAndFlush(Unpooled.wrappedBuffer(new byte[chunk]));
            written += chunk;
            p[0].eventLoop().submit(() -> null).get(); // the write has been processed
            if (!p[0].isWritable()) {
                break;
            }
        }
        assertThat(p[0].isWritable()).as("an unread peer pushes back").isFalse();
        assertThat(written).as("the peer's queue limit plus the writer's high-water mark")
                .isLessThanOrEqualTo(PipeChannel.INBOUND_LIMIT + 64 * 1024 + chunk);
        int total = written;
        p[1].config().setAutoRead(true);
        Await.until("everything read", Duration.ofSeconds(5), () -> reader.text().length() == total);
        Await.until("writer writable again", Duration.ofSeconds(5), p[0]::isWritable);
        p[0].close().sync();
    }
}
