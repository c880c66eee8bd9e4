/** The controller at scale: {@code ./trellis bench controller-scale}. */
@NullMarked
package io.trellis.perf.controller;

import org.jspecify.annotations.NullMarked;
