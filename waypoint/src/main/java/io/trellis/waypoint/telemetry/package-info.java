/** Per-request telemetry of the waypoint: Istio-compatible metrics, the JSON access log and OpenTelemetry tracing. */
@NullMarked
package io.trellis.waypoint.telemetry;

import org.jspecify.annotations.NullMarked;
