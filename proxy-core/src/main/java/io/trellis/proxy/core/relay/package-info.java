/** The copy loop: moves bytes between two channels with backpressure, half-close and reset propagation. */
@NullMarked
package io.trellis.proxy.core.relay;

import org.jspecify.annotations.NullMarked;
