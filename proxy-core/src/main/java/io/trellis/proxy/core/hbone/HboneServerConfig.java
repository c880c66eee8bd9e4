package io.trellis.proxy.core.hbone;

import java.time.Duration;

/**
 * HBONE server settings.
 *
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client connection
 * @param handshakeTimeout a client that has not completed TLS by then is dropped
 */
public record HboneServerConfig(int maxConcurrentStreams, Duration handshakeTimeout) {

    public HboneServerConfig {
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams must be positive, got " + maxConcurrentStreams);
        }
    }

    /** 1000 streams per connection, 10 s handshake timeout. */
    public static HboneServerConfig defaults() {
        return new HboneServerConfig(FlowControl.SERVER_MAX_CONCURRENT_STREAMS, Duration.ofSeconds(10));
    }
}
