/**
 * L7 authorization: Istio-style AuthorizationPolicy rules (paths with {@code *} wildcards,
 * methods, hosts, headers, source principals and namespaces) evaluated DENY first, then ALLOW.
 */
@NullMarked
package io.trellis.waypoint.authz;

import org.jspecify.annotations.NullMarked;
