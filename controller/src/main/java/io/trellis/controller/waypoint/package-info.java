/**
 * Kubernetes mode: runs the waypoints declared as Gateways of class {@code trellis-waypoint} (Deployment,
 * ServiceAccount, Service, Gateway status), under a Lease so that one replica writes.
 */
@NullMarked
package io.trellis.controller.waypoint;

import org.jspecify.annotations.NullMarked;
