/**
 * The waypoint: Trellis's optional per-service L7 proxy. This package holds what every part of
 * the waypoint shares, such as the {@link io.trellis.waypoint.ResponseFlag} vocabulary written
 * into access logs and metrics.
 */
@NullMarked
package io.trellis.waypoint;

import org.jspecify.annotations.NullMarked;
