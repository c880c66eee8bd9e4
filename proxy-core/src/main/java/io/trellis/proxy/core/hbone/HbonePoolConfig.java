package io.trellis.proxy.core.hbone;

import java.time.Duration;

/**
 * HBONE client pool settings.
 *
 * @param maxStreamsPerConnection local cap on concurrent streams per connection (the server's
 *     SETTINGS_MAX_CONCURRENT_STREAMS applies too; the lower wins). When every connection of a key is
 *     full, another is opened.
 * @param idleTimeout a connection without streams for this long is closed
 * @param connectTimeout TCP connect timeout to the HBONE peer
 * @param handshakeTimeout TLS handshake timeout
 */
public record HbonePoolConfig(int maxStreamsPerConnection, Duration idleTimeout, Duration connectTimeout,
        Duration handshakeTimeout) {

    public HbonePoolConfig {
        if (maxStreamsPerConnection < 1) {
            throw new IllegalArgumentException("maxStreamsPerConnection must be positive, got " + maxStreamsPerConnection);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
        }
    }

    /**
     * 100 streams per connection (a few connections per busy peer spread load over event loops
     * and limit the blast radius of one broken connection), 60 s idle, 10 s connect and handshake.
     */
    public static HbonePoolConfig defaults() {
        return new HbonePoolConfig(100, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }
}
