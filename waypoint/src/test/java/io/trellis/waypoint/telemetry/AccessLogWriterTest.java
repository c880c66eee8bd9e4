package io.trellis.waypoint.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {

    /** A stdout stand-in that collects bytes (thread-safe: the writer thread writes, the test reads). */
    static final class Collected extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override public synchronized void write(int b) { bytes.write(b); }

        @Override public synchronized void write(byte[] b, int off, int len) { bytes.write(b, off, len); }

        synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }
    }

    @Test
    void writesOneLinePerRecordInOrderAsUtf8() throws IOException {
        List<String> before = AccessLogFormatTest.linesBefore();
        Collected out = new Collected();
        try (AccessLogWriter writer = new AccessLogWriter(out, 64, 0, "test-access-log")) {
            for (int i = 0; i < 50; i++) {
                assertThat(writer.offer(i % 2 == 0 ? AccessLogFormatTest.full() : AccessLogFormatTest.sparse())).isTrue();
            }
            Await.until("50 lines written", Duration.ofSeconds(10), () -> out.text().lines().count() == 50);
            assertThat(writer.dropped()).isZero();
        }
        List<String> lines = out.text().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).isEqualTo(before.get(i % 2));
        }
        assertThat(out.text()).endsWith("\n");
    }

    @Test
    void dropsInsteadOfBlockingWhenTheOutputStalls() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        Collected collected = new Collected();
        OutputStream stalled = new OutputStream() {
            @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

            @Override public void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                collected.write(b, off, len);
            }
        };
        try (AccessLogWriter writer = new AccessLogWriter(stalled, 4, 0, "test-access-log")) {
            writer.offer(AccessLogFormatTest.sparse());
            writing.await();
            int accepted = 0;
            for (int i = 0; i < 10; i++) {
                accepted += writer.offer(AccessLogFormatTest.sparse()) ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(4);
            assertThat(writer.dropped()).isEqualTo(6);
            release.countDown();
            Await.until("the queued lines written", Duration.ofSeconds(10), () -> collected.text().lines().count() == 5);
        }
    }

    @Test
    void closeWritesWhatIsQueued() {
        Collected out = new Collected();
        AccessLogWriter writer = new AccessLogWriter(out, 16, 1_000_000_000L, "test-access-log");
        writer.offer(AccessLogFormatTest.full());
        Await.until("first line written", Duration.ofSeconds(10), () -> out.text().lines().count() == 1);
        // the writer now lingers for a second; what is queued meanwhile is written on close
        writer.offer(AccessLogFormatTest.sparse());
        writer.offer(AccessLogFormatTest.sparse());
        writer.close();
        assertThat(out.text().lines().count()).isEqualTo(3);
        assertThat(writer.offer(AccessLogFormatTest.full())).isFalse();
    }
}
