/** The operator CLI behind {@code ./trellis ca ...}: create a CA and issue SVIDs as PEM files. */
@NullMarked
package io.trellis.identity.cli;

import org.jspecify.annotations.NullMarked;
