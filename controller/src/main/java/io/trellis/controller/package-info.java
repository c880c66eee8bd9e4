/** The Trellis controller: config sources, mesh model, workload xDS, CA. */
@NullMarked
package io.trellis.controller;

import org.jspecify.annotations.NullMarked;
