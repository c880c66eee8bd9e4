package io.trellis.perf.load;

/**
 * One connection's share of an open-loop run. Arrivals go straight to the wire while the
 * connection has a free slot (one for HTTP/1.1 without pipelining, many streams for HTTP/2);
 * otherwise they wait in a bounded backlog, still carrying their intended send time so the wait
 * counts as latency. A full backlog counts the request as overflowed: reported, never hidden.
 * Not thread-safe: everything runs on the load generator's event loop.
 */
final class Lane {

    private final RequestSender sender;
    private final LoadStats stats;
    private final NanoClock clock;
    private final int maxInFlight;
    private final long[] backlog;
    private int head;
    private int size;
    private int inFlight;
    private boolean lost;

    Lane(RequestSender sender, LoadStats stats, NanoClock clock, int maxInFlight, int maxBacklog) {
        if (maxInFlight < 1 || maxBacklog < 0) {
            throw new IllegalArgumentException("maxInFlight must be >= 1 and maxBacklog >= 0");
        }
        this.sender = sender;
        this.stats = stats;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.backlog = new long[maxBacklog];
    }

    /** A request became due at {@code intendedNanos}. */
    void arrive(long intendedNanos) {
        stats.scheduled++;
        if (lost) {
            stats.errors++;
        } else if (inFlight < maxInFlight && size == 0) {
            inFlight++;
            sender.send(intendedNanos);
        } else if (size < backlog.length) {
            backlog[(head + size) % backlog.length] = intendedNanos;
            size++;
            stats.backlog(size);
        } else {
            stats.overflowed++;
        }
    }

    /** The response to the request intended at {@code intendedNanos} is complete. */
    void completed(long intendedNanos, boolean ok) {
        inFlight--;
        if (ok) {
            stats.record(intendedNanos, clock.nanoTime());
        } else {
            stats.errors++;
        }
        while (!lost && inFlight < maxInFlight && size > 0) {
            long next = backlog[head];
            head = (head + 1) % backlog.length;
            size--;
            inFlight++;
            sender.send(next);
        }
    }

    /** The connection died: what was in flight or waiting, and whatever arrives later, is an error. */
    void connectionLost() {
        if (lost) {
            return;
        }
        lost = true;
        stats.errors += inFlight + size;
        inFlight = 0;
        size = 0;
    }

    /** Requests sent but not answered, plus those still waiting. */
    int outstanding() {
        return inFlight + size;
    }

    int backlogSize() {
        return size;
    }
}
