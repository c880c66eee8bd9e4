/**
 * L4 telemetry with Istio's metric names and labels ({@code istio_tcp_*}) and one JSON
 * access-log line per connection on the {@code trellis.access} logger.
 */
@NullMarked
package io.trellis.node.metrics;

import org.jspecify.annotations.NullMarked;
