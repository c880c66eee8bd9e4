/**
 * The per-request decision the data path asks for first: authorize, route, pick a backend and
 * build the upstream request, or say which local response to send instead.
 */
@NullMarked
package io.trellis.waypoint.plan;

import org.jspecify.annotations.NullMarked;
