package io.trellis.node.proxy;

import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.metrics.AccessLog;
import io.trellis.node.metrics.AccessRecord;
import io.trellis.node.metrics.ConnectionLabels;
import io.trellis.node.metrics.ConnectionMeters;
import io.trellis.node.metrics.ResponseFlag;
import io.trellis.node.metrics.TcpMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The Istio-named L4 telemetry of the traffic paths: {@code istio_tcp_*} counters per label set and
 * one access-log record per connection, opened when a connection is decided and finished exactly once.
 */
final class Telemetry {

    private final TcpMetrics tcp;
    private final AccessLog accessLog;

    Telemetry(TcpMetrics tcp, AccessLog accessLog) {
        this.tcp = tcp;
        this.accessLog = accessLog;
    }

    /** A connection from {@code client} to {@code destination} starts being handled; counts it opened. */
    Connection open(ConnectionLabels labels, InetSocketAddress client, InetSocketAddress destination) {
        ConnectionMeters meters = tcp.meters(labels);
        meters.opened();
        return new Connection(meters, client, destination, Instant.now(), System.nanoTime());
    }

    /** One connection's telemetry. Finish it once, on any thread. */
    final class Connection {
        private final ConnectionMeters meters;
        private final InetSocketAddress client;
        private final InetSocketAddress destination;
        private final Instant start;
        private final long startNanos;

        private Connection(ConnectionMeters meters, InetSocketAddress client, InetSocketAddress destination,
                Instant start, long startNanos) {
            this.meters = meters;
            this.client = client;
            this.destination = destination;
            this.start = start;
            this.startNanos = startNanos;
        }

        /**
         * Counts it closed with {@code flag} and its bytes (spliced bytes are not seen by the proxy and
         * count as 0), and writes its access-log record.
         */
        void finish(ResponseFlag flag, @Nullable InetSocketAddress upstream, long requestBytes, long responseBytes,
                @Nullable AuthzDecision authz, @Nullable String error) {
            if (requestBytes > 0) {
                meters.requestBytes(requestBytes);
            }
            if (responseBytes > 0) {
                meters.responseBytes(responseBytes);
            }
            meters.closed(flag);
            ConnectionLabels labels = flag.label().equals(meters.labels().responseFlags()) ? meters.labels()
                    : meters.labels().withResponseFlag(flag);
            accessLog.log(new AccessRecord(start, Duration.ofNanos(System.nanoTime() - startNanos), labels, client,
                    destination, upstream, requestBytes, responseBytes, authz, error));
        }
    }
}
