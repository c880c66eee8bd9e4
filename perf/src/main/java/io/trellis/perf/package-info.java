/** Benchmarks: load generation, scenarios and result reports. */
@NullMarked
package io.trellis.perf;

import org.jspecify.annotations.NullMarked;
