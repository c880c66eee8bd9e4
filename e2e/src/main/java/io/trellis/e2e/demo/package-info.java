/** {@code ./trellis demo}: the mesh at work in the lab, step by step, with evidence. */
@NullMarked
package io.trellis.e2e.demo;

import org.jspecify.annotations.NullMarked;
