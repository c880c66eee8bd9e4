/** Tests of the lab benchmark's report. */
@NullMarked
package io.trellis.e2e.bench;

import org.jspecify.annotations.NullMarked;
