package io.trellis.proxy.core.telemetry;

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

    /** A record of the shape the proxies log: a start time and text that needs escaping. */
    record Line(long startEpochMillis, String text) {}

    static final AccessLogWriter.Format<Line> FORMAT = (b, r, clock) -> {
        JsonLine.open(b);
        b.append("\"start_time\":\"");
        clock.append(b, r.startEpochMillis());
        b.append("\",");
        JsonLine.string(b, "text", r.text());
        JsonLine.number(b, "length", r.text().length());
        JsonLine.close(b);
    };

    /** Non-ASCII, quotes and control characters: the UTF-8 and escaping paths. */
    static Line full() {
        return new Line(1795671613123L, "caf\u00e9 \u2603 \"q\" a\\b\t\n\u0001");
    }

    static Line sparse() {
        return new Line(1795671613000L, "ok");
    }

    private static AccessLogWriter<Line> writer(OutputStream out, int capacity, long lingerNanos) {
        return new AccessLogWriter<>(out, capacity, lingerNanos, "test-access-log", FORMAT);
    }

    /** A stdout stand-in that collects bytes (thread-safe: the writer thread writes, the test reads). */
    static class Collected extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override public synchronized void write(int b) { bytes.write(b); }

        @Override public synchronized void write(byte[] b, int off, int len) { bytes.write(b, off, len); }

        synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }
    }

    @Test
    void writesOneLinePerRecordInOrderAsUtf8() {
        List<String> before = List.of(
                "{\"start_time\":\"2026-11-26T05:40:13.123Z\",\"text\":\"caf\u00e9 \u2603 \\\"q\\\" a\\\\b\\t\\n\\u0001\","
                        + "\"length\":17}",
                "{\"start_time\":\"2026-11-26T05:40:13Z\",\"text\":\"ok\",\"length\":2}");
        Collected out = new Collected();
        try (AccessLogWriter<Line> writer = writer(out, 64, 0)) {
            for (int i = 0; i < 50; i++) {
                assertThat(writer.offer(i % 2 == 0 ? full() : sparse())).isTrue();
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
        Line r = new Line(1795671613123L, "x".repeat(700));
        Line longLine = new Line(1795671613123L, "a".repeat(5000));
        // A long linger: the records below are queued while the writer waits, and leave in one flush.
        try (AccessLogWriter<Line> writer = writer(out, 64, 200_000_000L)) {
            writer.offer(sparse());
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
        try (AccessLogWriter<Line> writer = writer(stalled, 4, 0)) {
            writer.offer(sparse());
            writing.await();
            int accepted = 0;
            for (int i = 0; i < 10; i++) {
                accepted += writer.offer(sparse()) ? 1 : 0;
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
        AccessLogWriter<Line> writer = writer(out, 16, 1_000_000_000L);
        writer.offer(full());
        Await.until("first line written", Duration.ofSeconds(10), () -> out.text().lines().count() == 1);
        // the writer now lingers for a second; what is queued meanwhile is written on close
        writer.offer(sparse());
        writer.offer(sparse());
        writer.close();
        assertThat(out.text().lines().count()).isEqualTo(3);
        assertThat(writer.offer(full())).isFalse();
    }
}
