/**
 * Translation of Envoy v3 xDS resources (RouteConfiguration, Cluster, ClusterLoadAssignment)
 * into the waypoint's immutable route table and cluster settings. Every field the waypoint does
 * not implement is reported as a {@link io.trellis.waypoint.config.FieldError} naming its path,
 * and any error rejects (NACKs) the whole resource: nothing is silently ignored.
 */
@NullMarked
package io.trellis.waypoint.config;

import org.jspecify.annotations.NullMarked;
