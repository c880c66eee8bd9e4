/**
 * Fault injection in the lab under steady load: a checksummed transfer server and client that run inside lab pods,
 * the scenarios (controller outage, restart with a config change, endpoint killed, partition, waypoint replica
 * killed), and the reliability report under {@code perf/results/reliability/}.
 */
@NullMarked
package io.trellis.e2e.faults;

import org.jspecify.annotations.NullMarked;
