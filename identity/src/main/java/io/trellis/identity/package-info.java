/**
 * SPIFFE workload identity for Trellis: ids, the certificate authority that issues X.509-SVIDs,
 * verification of a peer's SVID chain against a trust bundle, PEM files and certificate renewal.
 */
@NullMarked
package io.trellis.identity;

import org.jspecify.annotations.NullMarked;
