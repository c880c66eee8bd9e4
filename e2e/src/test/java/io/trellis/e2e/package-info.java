/** Tests of the orchestrator's helpers. */
@NullMarked
package io.trellis.e2e;

import org.jspecify.annotations.NullMarked;
