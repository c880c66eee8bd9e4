/** The whole mesh in the lab as child processes: {@link io.trellis.e2e.MeshLab}, reusable by the demo and tests. */
@NullMarked
package io.trellis.e2e;

import org.jspecify.annotations.NullMarked;
