package io.trellis.proxy.core.telemetry;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes access-log lines from one background thread, so an event loop only enqueues the finished
 * request's or connection's record: formatting ({@link Format}), encoding and the write(2) to stdout
 * (a terminal or a pipe that may stall) all happen here. The thread formats into one reused builder
 * and byte buffer and writes the lines queued since its last write together, in whole-line writes of
 * at most 4 KiB where a line allows; after a write it lingers briefly so that under load one wake-up carries several lines.
 * When {@code capacity} records are queued, new ones are dropped (counted, and reported on the
 * event log) rather than stall traffic.
 */
public final class AccessLogWriter<R> implements AutoCloseable {

    /** Appends one record as a JSON object, without the newline. */
    @FunctionalInterface
    public interface Format<R> {
        /** Appends {@code record} to {@code line}; {@code clock} formats its start time (one per thread). */
        void appendTo(StringBuilder line, R record, IsoMillis clock);
    }

    /** Records that may wait for the writer before new lines are dropped. */
    public static final int STDOUT_QUEUE = 8192;
    /**
     * After a write the stdout writer pauses this long, so that under load a wake-up writes several lines: at
     * 1,000 records/s, 10 ms gives ~10 lines per wake-up and write(2) (2 ms gave ~2, and the write was a
     * third of the log's CPU). Lines appear at most this much later; the queue holds 800 ms of 10,000/s.
     */
    public static final long STDOUT_LINGER_NANOS = 10_000_000;

    private static final Logger EVENTS = LoggerFactory.getLogger(AccessLogWriter.class);
    private static final int BATCH = 256;
    private static final int FLUSH_BYTES = 64 * 1024;
    private static final int PIPE_BUF = 4096;
    private static final long DROP_REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ArrayBlockingQueue<R> queue;
    private final Format<R> format;
    private final OutputStream out;
    private final long lingerNanos;
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private volatile boolean closing;

    private final List<R> batch = new ArrayList<>(BATCH);
    private final StringBuilder line = new StringBuilder(1024);
    private final IsoMillis clock = new IsoMillis();
    private char[] chars = new char[1024];
    private byte[] bytes = new byte[FLUSH_BYTES + 4096];
    private int length;
    private long reportedDrops;
    private long lastDropReport = System.nanoTime() - DROP_REPORT_NANOS;

    /**
     * @param out where the lines go (not closed by {@link #close()})
     * @param capacity records that may wait before new ones are dropped
     * @param lingerNanos pause after each write before waiting for the next record
     * @param threadName the writer thread's name
     * @param format how a record becomes a line
     */
    public AccessLogWriter(OutputStream out, int capacity, long lingerNanos, String threadName, Format<R> format) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.format = format;
        this.out = out;
        this.lingerNanos = lingerNanos;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * A writer to this process's stdout, thread {@code trellis-access-log}, drained by a shutdown hook: the standard
     * access log of a proxy (one per process).
     */
    public static <R> AccessLogWriter<R> toStdout(Format<R> format) {
        AccessLogWriter<R> w = new AccessLogWriter<>(new FileOutputStream(FileDescriptor.out), STDOUT_QUEUE,
                STDOUT_LINGER_NANOS, "trellis-access-log", format);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("trellis-access-log-drain").unstarted(w::close));
        return w;
    }

    /** Queues {@code r}; false (and counted) when the queue is full or the writer is closed. */
    public boolean offer(R r) {
        if (closing || !queue.offer(r)) {
            dropped.increment();
            return false;
        }
        return true;
    }

    /** Records dropped so far because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** Writes what is queued and stops the thread (waits up to a second). */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            R first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                if (closing) {
                    writeQueued();
                    return;
                }
                continue;
            }
            batch.add(first);
            writeQueued();
            reportDrops();
            if (closing) {
                writeQueued();
                return;
            }
            LockSupport.parkNanos(lingerNanos);
        }
    }

    private void writeQueued() {
        while (true) {
            queue.drainTo(batch, BATCH - batch.size());
            if (batch.isEmpty()) {
                break;
            }
            for (R r : batch) {
                encode(r);
            }
            batch.clear();
        }
        flush();
    }

    private void encode(R r) {
        line.setLength(0);
        format.appendTo(line, r, clock);
        line.append('\n');
        int n = line.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        // One bulk copy out of the builder, then a plain array loop: per-char builder access is slow (C1 proxies).
        line.getChars(0, n, chars, 0);
        ensure(n);
        int start = length;
        for (int i = 0; i < n; i++) {
            char c = chars[i];
            if (c >= 0x80) {
                length = start;
                byte[] utf8 = line.toString().getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, length, utf8.length);
                length += utf8.length;
                break;
            }
            bytes[length++] = (byte) c;
        }
        if (length >= FLUSH_BYTES) {
            flush();
        }
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }

    private void flush() {
        if (length == 0) {
            return;
        }
        try {
            // Whole lines per write(2), at most PIPE_BUF bytes where a line allows: a pipe keeps such a write
            // atomic, so a reader sharing the pipe with other writers (stderr) never sees a line split.
            int start = 0;
            while (start < length) {
                int end = Math.min(length, start + PIPE_BUF);
                while (end > start && bytes[end - 1] != '\n') {
                    end--;
                }
                if (end == start) {
                    end = start + PIPE_BUF;
                    while (end < length && bytes[end - 1] != '\n') {
                        end++;
                    }
                }
                out.write(bytes, start, end - start);
                start = end;
            }
            out.flush();
        } catch (IOException e) {
            EVENTS.warn("event=access_log_write_failed bytes={} error=\"{}\"", length, e.toString());
        } finally {
            length = 0;
        }
    }

    private void reportDrops() {
        long now = System.nanoTime();
        if (now - lastDropReport < DROP_REPORT_NANOS) {
            return;
        }
        long total = dropped.sum();
        if (total != reportedDrops) {
            EVENTS.warn("event=access_log_lines_dropped dropped={} total={} reason=\"the writer fell behind (queue full)\"",
                    total - reportedDrops, total);
            reportedDrops = total;
            lastDropReport = now;
        }
    }
}
