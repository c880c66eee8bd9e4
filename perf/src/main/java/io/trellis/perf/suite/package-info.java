/** The benchmark suite: scenarios over paths, rates and connection counts, with JSON, Markdown and PNG output. */
@NullMarked
package io.trellis.perf.suite;

import org.jspecify.annotations.NullMarked;
