/**
 * The proxies' access logs: one JSON line per request (waypoint) or connection (node-proxy), formatted and written
 * to stdout by a background thread so that an event loop only queues a finished record.
 */
@NullMarked
package io.trellis.proxy.core.telemetry;

import org.jspecify.annotations.NullMarked;
