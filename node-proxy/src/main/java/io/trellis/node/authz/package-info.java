/**
 * L4 authorization at the destination node-proxy: Istio-style DENY-then-ALLOW evaluation of
 * {@link io.trellis.node.state.AuthorizationPolicy} records, the STRICT mTLS check for plaintext
 * inbound and the rule against silently bypassing a waypoint.
 */
@NullMarked
package io.trellis.node.authz;

import org.jspecify.annotations.NullMarked;
