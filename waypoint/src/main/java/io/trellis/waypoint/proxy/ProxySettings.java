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
 * @param idleTimeout an HTTP/1.1 connection without a request for this long is closed
 */
public record ProxySettings(SpiffeId identity, int hbonePort, int maxRetryBufferBytes, int maxHeaderBytes,
        Duration idleTimeout) {

    public ProxySettings {
        if (hbonePort < 1 || hbonePort > 65_535) {
            throw new IllegalArgumentException("hbonePort must be 1..65535, got " + hbonePort);
        }
        if (maxRetryBufferBytes < 0) {
            throw new IllegalArgumentException("maxRetryBufferBytes must not be negative");
        }
    }

    /** Port 15008, 64 KiB retry buffer, 64 KiB headers, 5 min idle. */
    public static ProxySettings defaults(SpiffeId identity) {
        return new ProxySettings(identity, 15008, 64 * 1024, 64 * 1024, Duration.ofMinutes(5));
    }

    /** The same settings with another HBONE port (tests run node-proxies on ephemeral ports). */
    public ProxySettings withHbonePort(int port) {
        return new ProxySettings(identity, port, maxRetryBufferBytes, maxHeaderBytes, idleTimeout);
    }

    /** The same settings with another retry buffer size. */
    public ProxySettings withMaxRetryBufferBytes(int bytes) {
        return new ProxySettings(identity, hbonePort, bytes, maxHeaderBytes, idleTimeout);
    }
}
