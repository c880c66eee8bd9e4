package io.trellis.node.metrics;

import io.trellis.node.authz.AuthzDecision;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One finished connection, as the access log writes it.
 *
 * @param upstream       where the proxy connected (endpoint, HBONE peer or waypoint), null if it never did
 * @param requestBytes   client to server
 * @param responseBytes  server to client
 * @param authz          the inbound authorization decision, null for outbound
 * @param error          what went wrong, null if nothing did
 */
public record AccessRecord(Instant start, Duration duration, ConnectionLabels labels, InetSocketAddress client,
                           InetSocketAddress destination, @Nullable InetSocketAddress upstream, long requestBytes,
                           long responseBytes, @Nullable AuthzDecision authz, @Nullable String error) {}
