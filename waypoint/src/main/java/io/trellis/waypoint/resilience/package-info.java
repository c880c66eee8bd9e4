/**
 * Envoy's resilience model as pure logic the data path calls: retry policies and decisions,
 * retry budgets, circuit breakers (lock-free counters usable from event loops) and outlier
 * detection. Every class takes its clock and randomness as arguments so tests are deterministic.
 */
@NullMarked
package io.trellis.waypoint.resilience;

import org.jspecify.annotations.NullMarked;
