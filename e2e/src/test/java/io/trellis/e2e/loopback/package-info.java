@NullMarked
package io.trellis.e2e.loopback;

import org.jspecify.annotations.NullMarked;
