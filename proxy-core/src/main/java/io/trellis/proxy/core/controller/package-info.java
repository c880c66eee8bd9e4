/**
 * The proxies' (and trellisctl's) gRPC channel to the controller: plaintext, or TLS with the controller verified by
 * its SPIFFE id under the mesh root instead of by host name.
 */
@NullMarked
package io.trellis.proxy.core.controller;

import org.jspecify.annotations.NullMarked;
