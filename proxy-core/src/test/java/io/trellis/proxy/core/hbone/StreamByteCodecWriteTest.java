package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamByteCodecWriteTest {

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new StreamByteCodec("test-peer", new HboneMetrics(new SimpleMeterRegistry(), "test")));
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String contentOf(Object frame) {
        assertThat(frame).isInstanceOf(Http2DataFrame.class);
        Http2DataFrame data = (Http2DataFrame) frame;
        try {
            assertThat(data.isEndStream()).isFalse();
            return data.content().toString(StandardCharsets.US_ASCII);
        } finally {
            data.release();
        }
    }

    @Test
    void buffersWrittenBeforeOneFlushLeaveAsOneDirectDataFrame() {
        EmbeddedChannel ch = channel();
        ChannelFuture head = ch.write(text("GET / HTTP/1.1\r\n\r\n"));
        ChannelFuture body = ch.write(text("body"));
        assertThat(ch.outboundMessages()).isEmpty();
        ch.flush();

        Object frame = ch.readOutbound();
        assertThat(((Http2DataFrame) frame).content().isDirect()).isTrue();
        assertThat(contentOf(frame)).isEqualTo("GET / HTTP/1.1\r\n\r\nbody");
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(head.isSuccess()).isTrue();
        assertThat(body.isSuccess()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aSingleBufferIsWrappedNotCopied() {
        EmbeddedChannel ch = channel();
        ByteBuf only = text("only");
        ch.writeAndFlush(only);
        Http2DataFrame frame = ch.readOutbound();
        assertThat(frame.content()).isSameAs(only);
        frame.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void voidPromisesStayVoidAndOrderIsKeptAroundOtherFrames() {
        EmbeddedChannel ch = channel();
        ch.write(text("a"), ch.voidPromise());
        ch.write(text("b"), ch.voidPromise());
        ch.write(new DefaultHttp2DataFrame(true));
        ch.write(text("c"));
        ch.flush();

        assertThat(contentOf(ch.readOutbound())).isEqualTo("ab");
        Http2DataFrame end = ch.readOutbound();
        assertThat(end.isEndStream()).isTrue();
        end.release();
        assertThat(contentOf(ch.readOutbound())).isEqualTo("c");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void batchesOverTheMergeLimitAreWrittenAsTheyAre() {
        EmbeddedChannel ch = channel();
        String big = "x".repeat(StreamByteCodec.MERGE_LIMIT);
        ch.write(text(big));
        ch.write(text("tail"));
        ch.flush();
        assertThat(contentOf(ch.readOutbound())).isEqualTo(big);
        assertThat(contentOf(ch.readOutbound())).isEqualTo("tail");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void closeWritesWhatWasHeldAndRemovalReleasesTheRest() {
        // An HTTP/2 stream channel hands writes to the connection at once, so a close after an unflushed
        // write still sends it; here a handler in front of the codec records what the codec let through.
        List<String> passed = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                passed.add(((Http2DataFrame) msg).content().toString(StandardCharsets.US_ASCII));
                ctx.write(msg, promise);
            }
        }, new StreamByteCodec("test-peer", new HboneMetrics(new SimpleMeterRegistry(), "test")));
        ch.write(text("held"));
        assertThat(passed).isEmpty();
        ch.close();
        assertThat(passed).containsExactly("held");

        EmbeddedChannel other = channel();
        ByteBuf dropped = text("dropped");
        ChannelFuture write = other.write(dropped);
        other.pipeline().removeFirst();
        assertThat(dropped.refCnt()).isZero();
        assertThat(write.isDone() && !write.isSuccess()).isTrue();
        other.finishAndReleaseAll();
    }
}
