package io.trellis.node.metrics;

import io.micrometer.core.instrument.Counter;

/**
 * The counters of one label set. Safe from any thread; counting allocates nothing, so the copy loop may call
 * {@link #requestBytes}/{@link #responseBytes} per read.
 */
public final class ConnectionMeters {

    private final TcpMetrics owner;
    private final ConnectionLabels labels;
    private final Counter opened;
    private final Counter closed;
    private final Counter sent;
    private final Counter received;

    ConnectionMeters(TcpMetrics owner, ConnectionLabels labels, Counter opened, Counter closed, Counter sent,
                     Counter received) {
        this.owner = owner;
        this.labels = labels;
        this.opened = opened;
        this.closed = closed;
        this.sent = sent;
        this.received = received;
    }

    public void opened() {
        opened.increment();
    }

    /** Closed as labelled. */
    public void closed() {
        closed.increment();
    }

    /** Closed with another ending than the labels say (e.g. the upstream reset): counted under that flag. */
    public void closed(ResponseFlag flag) {
        if (flag.label().equals(labels.responseFlags())) {
            closed.increment();
        } else {
            owner.meters(labels.withResponseFlag(flag)).closed.increment();
        }
    }

    /** Bytes from the client towards the server ({@code istio_tcp_received_bytes_total}). */
    public void requestBytes(long n) {
        received.increment(n);
    }

    /** Bytes from the server back to the client ({@code istio_tcp_sent_bytes_total}). */
    public void responseBytes(long n) {
        sent.increment(n);
    }

    public ConnectionLabels labels() {
        return labels;
    }
}
