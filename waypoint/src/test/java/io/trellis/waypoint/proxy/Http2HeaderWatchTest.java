package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP/2 header-block tracking behind the slowloris deadline, fed in every possible split. */
class Http2HeaderWatchTest {

    /** Records arm/disarm calls. */
    static final class Recorder implements HeadTimer {
        final List<String> calls = new ArrayList<>();

        @Override
        public void armNow() {
            calls.add("arm");
        }

        @Override
        public void disarm() {
            calls.add("disarm");
        }
    }

    static byte[] frame(int type, int flags, int stream, int length) {
        byte[] f = new byte[9 + length];
        f[0] = (byte) (length >>> 16);
        f[1] = (byte) (length >>> 8);
        f[2] = (byte) length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[8] = (byte) stream;
        for (int i = 9; i < f.length; i++) {
            f[i] = (byte) 0x04; // payload bytes that look like frame headers must not confuse the scan
        }
        return f;
    }

    static byte[] conversation() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(frame(0x4, 0, 0, 0));          // SETTINGS
        b.writeBytes(frame(0x1, 0x0, 1, 20));       // HEADERS, block continues
        b.writeBytes(frame(0x9, 0x0, 1, 7));        // CONTINUATION
        b.writeBytes(frame(0x9, 0x4, 1, 3));        // CONTINUATION + END_HEADERS
        b.writeBytes(frame(0x0, 0x1, 1, 100));      // DATA + END_STREAM: not a header block
        b.writeBytes(frame(0x1, 0x5, 3, 12));       // HEADERS + END_HEADERS + END_STREAM in one frame
        return b.toByteArray();
    }

    @Test
    void armsForEachHeaderBlockUntilEndHeadersHowEverTheBytesAreSplit() {
        byte[] all = conversation();
        for (int chunk : new int[] {1, 2, 3, 7, 9, 10, 64, all.length}) {
            Recorder r = new Recorder();
            Http2HeaderWatch watch = new Http2HeaderWatch(r);
            EmbeddedChannel ch = new EmbeddedChannel(watch);
            for (int i = 0; i < all.length; i += chunk) {
                ch.writeInbound(Unpooled.wrappedBuffer(all, i, Math.min(chunk, all.length - i)));
                ByteBuf passed = ch.readInbound();
                assertThat(passed.readableBytes()).as("bytes pass through untouched").isEqualTo(Math.min(chunk, all.length - i));
                passed.release();
            }
            assertThat(r.calls).as("chunk size %d", chunk)
                    .containsExactly("disarm", "arm", "disarm", "arm", "disarm");
            assertThat(watch.blockOpen()).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aBlockCutShortStaysOpen() {
        Recorder r = new Recorder();
        Http2HeaderWatch watch = new Http2HeaderWatch(r);
        EmbeddedChannel ch = new EmbeddedChannel(watch);
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] headers = frame(0x1, 0x4, 1, 50);
        ch.writeInbound(Unpooled.wrappedBuffer(preface), Unpooled.wrappedBuffer(headers, 0, 30));
        assertThat(watch.blockOpen()).as("END_HEADERS only counts once its frame is whole").isTrue();
        assertThat(r.calls).containsExactly("disarm", "arm");
        ch.finishAndReleaseAll();
    }
}
