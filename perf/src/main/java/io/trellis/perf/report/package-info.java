/** Benchmark results as JSON and Markdown. */
@NullMarked
package io.trellis.perf.report;

import org.jspecify.annotations.NullMarked;
