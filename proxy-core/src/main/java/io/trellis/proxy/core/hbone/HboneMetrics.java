package io.trellis.proxy.core.hbone;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of one HBONE side ({@code side=server|client}):
 * {@code trellis.hbone.connections.opened}, {@code trellis.hbone.connections.failed},
 * {@code trellis.hbone.streams.opened}, {@code trellis.hbone.streams.closed},
 * {@code trellis.hbone.streams.rejected{status}}, and {@code trellis.hbone.bytes{direction}}
 * where {@code direction=out} is bytes sent into tunnels and {@code in} bytes received from them, and
 * {@code trellis.hbone.protocol.errors{frame,error}} (see {@link ProtocolErrorCounter}).
 */
final class HboneMetrics {

    private final MeterRegistry registry;
    private final String side;
    final Counter connectionsOpened;
    final Counter connectionsFailed;
    final Counter streamsOpened;
    final Counter streamsClosed;
    final Counter bytesOut;
    final Counter bytesIn;
    /** Counts error RST_STREAM/GOAWAY frames this side sends; handed to the HTTP/2 codec as its frame logger. */
    final ProtocolErrorCounter protocolErrors;

    HboneMetrics(MeterRegistry registry, String side) {
        this.registry = registry;
        this.side = side;
        connectionsOpened = Counter.builder("trellis.hbone.connections.opened").tag("side", side)
                .description("HBONE connections established (TLS + HTTP/2 ready)").register(registry);
        connectionsFailed = Counter.builder("trellis.hbone.connections.failed").tag("side", side)
                .description("HBONE connections that failed to connect or handshake").register(registry);
        streamsOpened = Counter.builder("trellis.hbone.streams.opened").tag("side", side)
                .description("HBONE tunnels established (200 answered)").register(registry);
        streamsClosed = Counter.builder("trellis.hbone.streams.closed").tag("side", side)
                .description("HBONE tunnels ended").register(registry);
        bytesOut = Counter.builder("trellis.hbone.bytes").tag("side", side).tag("direction", "out")
                .baseUnit("bytes").description("bytes sent into HBONE tunnels").register(registry);
        protocolErrors = new ProtocolErrorCounter(registry, side);
        bytesIn = Counter.builder("trellis.hbone.bytes").tag("side", side).tag("direction", "in")
                .baseUnit("bytes").description("bytes received from HBONE tunnels").register(registry);
    }

    void rejected(int status) {
        Counter.builder("trellis.hbone.streams.rejected").tag("side", side).tag("status", Integer.toString(status))
                .description("HBONE CONNECTs answered with an error status").register(registry).increment();
    }
}
