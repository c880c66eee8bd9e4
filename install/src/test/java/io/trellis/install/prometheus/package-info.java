@NullMarked
package io.trellis.install.prometheus;

import org.jspecify.annotations.NullMarked;
