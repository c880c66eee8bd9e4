/** On-demand benchmarks (not run by {@code mvn test}: class names end in Bench). */
@NullMarked
package io.trellis.controller.bench;

import org.jspecify.annotations.NullMarked;
