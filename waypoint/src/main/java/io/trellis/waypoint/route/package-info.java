/**
 * The route table: virtual hosts, ordered routes, matches (path, headers, query parameters,
 * method), and route actions (weighted backends, redirects, direct responses) with their header
 * modifiers and mirrors. {@link io.trellis.waypoint.route.GatewayRoutes} compiles Gateway API
 * HTTPRoute/GRPCRoute objects into the same table with the precedence the Gateway API specifies.
 */
@NullMarked
package io.trellis.waypoint.route;

import org.jspecify.annotations.NullMarked;
