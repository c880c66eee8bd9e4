/**
 * The waypoint's xDS client: one ADS stream (state of the world) to the controller for the Envoy v3
 * listeners, routes, clusters and endpoints of the services bound to this waypoint, validated by the
 * {@code config} translators, ACKed or NACKed, and published to the data path as one
 * {@code WaypointConfig}.
 */
@NullMarked
package io.trellis.waypoint.xds;

import org.jspecify.annotations.NullMarked;
