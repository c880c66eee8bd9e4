package io.trellis.waypoint.proxy;

import io.trellis.identity.SpiffeId;
import java.time.Duration;

/**
 * Data-path settings of one waypoint.
 *
 * @param identity the waypoint's own SPIFFE id: presented to clients and used as the source upstream
 * @param hbonePort the port of the node-proxies' HBONE listeners that endpoints are reached through (15008)
 * @param maxRetryBufferBytes request bodies up to this size are kept for retries and mirrors; larger
 *     bodies stream through and are not retried (Envoy's per-request buffer limit)
 * @param maxHeaderBytes the largest HTTP/1.1 request head or header block accepted
 * @param idleTimeout a downstream connection without a request for this long is closed (HTTP/1.1 between
 *     requests, HTTP/2 with no stream open, a new tunnel before its first byte)
 * @param headerReadTimeout how long a client may take to send a request head once it started one
 *     (a new tunnel: from its first moment; keep-alive: from the next request's first byte; HTTP/2: a
 *     HEADERS/CONTINUATION block). Slower clients get a 408 (HTTP/1.1) or GOAWAY (HTTP/2) and are
 *     closed: the slowloris defence (Envoy's {@code request_headers_timeout}, 10 s by default here)
 * @param maxDownstreamConnections tunnels into the waypoint held at once; more are refused with a 503
 *     on the HBONE CONNECT, so a flood of connections costs a counter, not memory
 * @param retryExhaustedSignal mark responses the waypoint gave up retrying (or shed with a breaker)
 *     and do not retry responses so marked ({@link RetrySignal}); on by default
 */
public record ProxySettings(SpiffeId identity, int hbonePort, int maxRetryBufferBytes, int maxHeaderBytes,
        Duration idleTimeout, Duration headerReadTimeout, int maxDownstreamConnections, boolean retryExhaustedSignal) {

    /** Default {@link #headerReadTimeout}. */
    public static final Duration DEFAULT_HEADER_READ_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link #maxDownstreamConnections}: far above one waypoint's normal load, well below its memory. */
    public static final int DEFAULT_MAX_DOWNSTREAM_CONNECTIONS = 20_000;

    /** With the retry-exhausted signal on. */
    public ProxySettings(SpiffeId identity, int hbonePort, int maxRetryBufferBytes, int maxHeaderBytes,
            Duration idleTimeout, Duration headerReadTimeout, int maxDownstreamConnections) {
        this(identity, hbonePort, maxRetryBufferBytes, maxHeaderBytes, idleTimeout, headerReadTimeout,
                maxDownstreamConnections, true);
    }

    public ProxySettings {
        if (hbonePort < 1 || hbonePort > 65_535) {
            throw new IllegalArgumentException("hbonePort must be 1..65535, got " + hbonePort);
        }
        if (maxRetryBufferBytes < 0) {
            throw new IllegalArgumentException("maxRetryBufferBytes must not be negative");
        }
        if (headerReadTimeout.isNegative() || headerReadTimeout.isZero()) {
            throw new IllegalArgumentException("headerReadTimeout must be positive, got " + headerReadTimeout);
        }
        if (maxDownstreamConnections < 1) {
            throw new IllegalArgumentException("maxDownstreamConnections must be >= 1, got " + maxDownstreamConnections);
        }
    }

    /**
     * Port 15008, 64 KiB retry buffer, 64 KiB headers, 5 min idle, 10 s to send a request head,
     * 20,000 downstream tunnels, retry-exhausted signal on.
     */
    public static ProxySettings defaults(SpiffeId identity) {
        return new ProxySettings(identity, 15008, 64 * 1024, 64 * 1024, Duration.ofMinutes(5),
                DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_DOWNSTREAM_CONNECTIONS);
    }

    /** The same settings with another HBONE port (tests run node-proxies on ephemeral ports). */
    public ProxySettings withHbonePort(int port) {
        return new ProxySettings(identity, port, maxRetryBufferBytes, maxHeaderBytes, idleTimeout, headerReadTimeout,
                maxDownstreamConnections, retryExhaustedSignal);
    }

    /** The same settings with another retry buffer size. */
    public ProxySettings withMaxRetryBufferBytes(int bytes) {
        return new ProxySettings(identity, hbonePort, bytes, maxHeaderBytes, idleTimeout, headerReadTimeout,
                maxDownstreamConnections, retryExhaustedSignal);
    }

    /** The same settings with another {@link #idleTimeout}. */
    public ProxySettings withIdleTimeout(Duration timeout) {
        return new ProxySettings(identity, hbonePort, maxRetryBufferBytes, maxHeaderBytes, timeout, headerReadTimeout,
                maxDownstreamConnections, retryExhaustedSignal);
    }

    /** The same settings with another {@link #headerReadTimeout}. */
    public ProxySettings withHeaderReadTimeout(Duration timeout) {
        return new ProxySettings(identity, hbonePort, maxRetryBufferBytes, maxHeaderBytes, idleTimeout, timeout,
                maxDownstreamConnections, retryExhaustedSignal);
    }

    /** The same settings with another {@link #maxDownstreamConnections}. */
    public ProxySettings withMaxDownstreamConnections(int max) {
        return new ProxySettings(identity, hbonePort, maxRetryBufferBytes, maxHeaderBytes, idleTimeout,
                headerReadTimeout, max, retryExhaustedSignal);
    }

    /** The same settings with the retry-exhausted signal on or off ({@link #retryExhaustedSignal}). */
    public ProxySettings withRetryExhaustedSignal(boolean on) {
        return new ProxySettings(identity, hbonePort, maxRetryBufferBytes, maxHeaderBytes, idleTimeout,
                headerReadTimeout, maxDownstreamConnections, on);
    }
}
