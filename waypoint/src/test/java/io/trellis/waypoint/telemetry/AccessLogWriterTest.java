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
    static class Collected extends OutputStream {
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
    void everyWriteCarriesWholeLinesOfAtMostPipeBufWhereALineAllows() throws IOException {
        List<Integer> writes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Boolean> endsWithNewline = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Collected out = new Collected() {
            @Override public synchronized void write(byte[] b, int off, int len) {
                writes.add(len);
                endsWithNewline.add(b[off + len - 1] == '\n');
                super.write(b, off, len);
            }
        };
        RequestRecord r = AccessLogFormatTest.full();
        String longAgent = "a".repeat(5000);
        RequestRecord longLine = new RequestRecord(r.startEpochMillis(), r.durationNanos(), r.method(), r.path(),
                r.authority(), r.requestProtocol(), r.downstreamProtocol(), r.status(), r.flags(), r.grpcStatus(),
                r.detail(), r.requestBytes(), r.responseBytes(), r.attempts(), r.source(), r.destinationService(),
                r.destinationNamespace(), r.destinationWorkload(), r.destinationPrincipal(), r.upstreamHost(),
                r.upstreamCluster(), r.route(), r.traceparent(), r.requestId(), longAgent);
        // A long linger: the records below are queued while the writer waits, and leave in one flush.
        try (AccessLogWriter writer = new AccessLogWriter(out, 64, 200_000_000L, "test-access-log")) {
            writer.offer(AccessLogFormatTest.sparse());
            Await.until("first line written", Duration.ofSeconds(10), () -> out.text().lines().count() == 1);
            for (int i = 0; i < 20; i++) {
                writer.offer(i == 10 ? longLine : r);
            }
            Await.until("21 lines written", Duration.ofSeconds(10), () -> out.text().lines().count() == 21);
        }
        assertThat(endsWithNewline).containsOnly(true);
        assertThat(writes).anyMatch(n -> n > 5000);
        assertThat(writes.stream().filter(n -> n <= 5000)).allMatch(n -> n <= 4096);
        assertThat(writes.size()).isLessThan(21);
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
