/** Open-loop load generation: arrival schedules, per-connection lanes with bounded backlogs, HTTP/1.1 and h2c clients, latency from the intended send time. */
@NullMarked
package io.trellis.perf.load;

import org.jspecify.annotations.NullMarked;
