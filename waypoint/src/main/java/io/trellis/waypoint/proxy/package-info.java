/**
 * The waypoint's data path: HBONE in, HTTP/1.1 or HTTP/2 (and gRPC) parsed on the tunnel, the
 * request planned against the current {@link io.trellis.waypoint.proxy.WaypointConfig} snapshot,
 * then forwarded over HBONE to the chosen endpoint with timeouts, retries, breakers and outlier
 * detection.
 */
@NullMarked
package io.trellis.waypoint.proxy;

import org.jspecify.annotations.NullMarked;
