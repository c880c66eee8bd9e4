package io.trellis.perf.load;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One open-loop HTTP run.
 *
 * @param protocol HTTP/1.1 keep-alive (one request in flight per connection) or h2c prior knowledge
 * @param connections connections opened before the clock starts; arrivals go to them round-robin
 * @param arrivals uniform or Poisson arrivals
 * @param rate requests per second across all connections
 * @param seed seed of the Poisson generator (same seed, same schedule)
 * @param warmup completed but not recorded (JIT, TLS and pool warm-up)
 * @param duration recorded part of the schedule
 * @param requestBytes request body size
 * @param responseBytes response body size the target is asked for ({@code x-response-bytes})
 * @param maxBacklog per-connection bound on requests waiting for the connection
 * @param h2MaxStreams requests in flight per HTTP/2 connection
 * @param drainTimeout how long to wait for outstanding requests after the schedule ends
 */
public record LoadConfig(Protocol protocol, InetSocketAddress target, int connections, Arrivals.Kind arrivals,
        double rate, long seed, Duration warmup, Duration duration, int requestBytes, int responseBytes,
        int maxBacklog, int h2MaxStreams, Duration drainTimeout) {

    /** Wire protocol of the load. */
    public enum Protocol { HTTP1, H2C }

    public LoadConfig {
        if (connections < 1 || !(rate > 0) || requestBytes < 0 || responseBytes < 0 || maxBacklog < 0
                || h2MaxStreams < 1 || duration.isNegative() || duration.isZero() || warmup.isNegative()) {
            throw new IllegalArgumentException("invalid load: connections and rate must be positive, sizes and "
                    + "backlog non-negative, duration positive (got " + connections + " connections, " + rate
                    + " rps, duration " + duration + ")");
        }
    }

    /** The suite's defaults: Poisson arrivals, 1 KiB each way, a backlog of 1,000 per connection. */
    public static LoadConfig of(Protocol protocol, InetSocketAddress target, int connections, double rate,
            Duration warmup, Duration duration) {
        return new LoadConfig(protocol, target, connections, Arrivals.Kind.POISSON, rate, 42, warmup, duration,
                1024, 1024, 1000, 100, Duration.ofSeconds(5));
    }

    int maxInFlightPerConnection() {
        return protocol == Protocol.HTTP1 ? 1 : h2MaxStreams;
    }
}
