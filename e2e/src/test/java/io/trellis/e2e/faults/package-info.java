@NullMarked
package io.trellis.e2e.faults;

import org.jspecify.annotations.NullMarked;
