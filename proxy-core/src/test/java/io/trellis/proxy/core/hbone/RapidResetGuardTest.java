package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which resets count towards the rapid-reset budget, and its window, on an injected clock. */
class RapidResetGuardTest {

    private final Http2Connection connection = new DefaultHttp2Connection(true);
    private final AtomicLong now = new AtomicLong();
    private final EmbeddedChannel channel = new EmbeddedChannel(new RapidResetGuard(connection, now::get));
    private int nextStreamId = 1;

    @Test
    void resetsOfAnsweredStreamsNeverCount() throws Http2Exception {
        for (int i = 0; i < 1_000; i++) {
            reset(true);
        }
        assertThat(channel.isActive()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void moreUnansweredResetsThanTheBudgetWithinTheWindowEndTheConnectionWithEnhanceYourCalm() throws Http2Exception {
        for (int i = 0; i < RapidResetGuard.MAX_UNANSWERED_RESETS; i++) {
            reset(false);
        }
        assertThat(channel.isActive()).as("at the budget").isTrue();
        reset(false);
        Http2GoAwayFrame goAway = channel.readOutbound();
        assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        goAway.release();
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void theBudgetStartsAgainInANewWindow() throws Http2Exception {
        for (int i = 0; i < RapidResetGuard.MAX_UNANSWERED_RESETS; i++) {
            reset(false);
        }
        now.addAndGet(Duration.ofSeconds(RapidResetGuard.WINDOW_SECONDS).toNanos());
        for (int i = 0; i < RapidResetGuard.MAX_UNANSWERED_RESETS; i++) {
            reset(false);
        }
        assertThat(channel.isActive()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    /** A RST_STREAM for a new client stream, answered (HEADERS sent) or not, as the codec hands it on. */
    private void reset(boolean answered) throws Http2Exception {
        int id = nextStreamId;
        nextStreamId += 2;
        Http2Stream stream = connection.remote().createStream(id, false);
        if (answered) {
            stream.headersSent(false);
        }
        Http2ResetFrame frame = new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(new Http2FrameStream() {
            @Override
            public int id() {
                return id;
            }

            @Override
            public Http2Stream.State state() {
                return stream.state();
            }
        });
        channel.writeInbound(frame);
        ReferenceCountUtil.release(channel.readInbound());
        stream.close(); // as the codec does after handing the reset on
    }
}
