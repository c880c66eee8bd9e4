/** {@code trellisctl}: the operator's command line (picocli). */
@NullMarked
package io.trellis.ctl;

import org.jspecify.annotations.NullMarked;
