/** {@code ./trellis bench lab}: the real node-proxy pair in the lab against a direct baseline, with /proc readings. */
@NullMarked
package io.trellis.e2e.bench;

import org.jspecify.annotations.NullMarked;
