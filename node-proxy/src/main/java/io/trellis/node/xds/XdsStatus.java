package io.trellis.node.xds;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the xDS client reports about itself (admin {@code /config_dump}, readiness).
 *
 * @param state     the connection state
 * @param synced    whether every type was received at least once (the proxy has a config to serve)
 * @param versions  per type short name, resource name to the version in use
 * @param lastNack  the last rejected update's message, or null when the last update of every type was applied
 * @param lastNackAt when it was rejected, or null
 */
public record XdsStatus(State state, boolean synced, Map<String, Map<String, String>> versions,
                        @Nullable String lastNack, @Nullable Instant lastNackAt) {

    public enum State {
        /** A stream is being opened (first connect or reconnect). */
        CONNECTING,
        /** The stream is open and the controller has answered on it. */
        CONNECTED,
        /** The stream broke; the last good config keeps serving until a reconnect, after backoff. */
        DISCONNECTED,
        /** {@link WorkloadXdsClient#close()} was called. */
        CLOSED
    }
}
