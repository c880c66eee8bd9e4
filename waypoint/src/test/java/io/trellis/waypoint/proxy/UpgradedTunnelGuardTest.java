package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** After a 101 the upstream tunnel takes raw bytes; a request end that raced the 101 must not reset it. */
class UpgradedTunnelGuardTest {

    @Test
    void theRequestsEmptyEndIsDroppedAndRawBytesPass() {
        EmbeddedChannel ch = new EmbeddedChannel(new UpgradedTunnelGuard());
        ChannelFuture end = ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(end.isSuccess()).isTrue();
        assertThat((Object) ch.readOutbound()).isNull();

        ch.writeAndFlush(Unpooled.copiedBuffer("frame", StandardCharsets.US_ASCII));
        ByteBuf out = ch.readOutbound();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("frame");
        out.release();
        assertThat(ch.isActive()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void requestBytesAfterTheSwitchAreRefusedNotSentUnframed() {
        EmbeddedChannel ch = new EmbeddedChannel(new UpgradedTunnelGuard());
        ChannelFuture late = ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("body", StandardCharsets.US_ASCII)));
        assertThat(late.isSuccess()).isFalse();
        assertThat(late.cause()).hasMessageContaining("after a 101");
        assertThat((Object) ch.readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }
}
