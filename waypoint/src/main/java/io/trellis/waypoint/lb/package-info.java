/**
 * Load balancing within one cluster: round robin, least request (power of N choices) and ring
 * hash, all skipping endpoints that are unhealthy or ejected by outlier detection. A balancer
 * instance belongs to one event loop (like Envoy's per-worker balancers): it is not thread-safe.
 */
@NullMarked
package io.trellis.waypoint.lb;

import org.jspecify.annotations.NullMarked;
