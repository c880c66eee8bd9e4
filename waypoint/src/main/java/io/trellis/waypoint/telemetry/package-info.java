/** Per-request telemetry of the waypoint: Istio-compatible metrics and the JSON access log. */
@NullMarked
package io.trellis.waypoint.telemetry;

import org.jspecify.annotations.NullMarked;
