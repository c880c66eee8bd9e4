package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleTimerTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new IdleTimer(TIMEOUT), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void firesAfterTheTimeoutWithoutTrafficAndAgainWhileIdle() {
        EmbeddedChannel ch = channel();

        advance(ch, 9);
        assertThat(events).isEmpty();
        advance(ch, 1);
        assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        advance(ch, 10);
        assertThat(events).hasSize(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsAndWritesEachPostponeIt() {
        EmbeddedChannel ch = channel();

        advance(ch, 6);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        advance(ch, 6); // 12 s since start, 6 since the read
        assertThat(events).isEmpty();
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {2}));
        advance(ch, 9); // 9 since the write
        assertThat(events).isEmpty();
        advance(ch, 1);
        assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteKeepsAVoidPromiseVoid() {
        EmbeddedChannel ch = channel();

        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {3}), ch.voidPromise());

        assertThat(ch.outboundMessages()).hasSize(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void stopsWhenTheConnectionCloses() {
        EmbeddedChannel ch = channel();

        ch.close();
        advance(ch, 30);

        assertThat(events).noneMatch(e -> e instanceof IdleStateEvent);
        assertThatThrownBy(() -> new IdleTimer(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
