/**
 * The client of the controller's CA ({@code trellis.ca.v1.CertificateService}), shared by the node-proxy (a
 * certificate per local service account, node token) and the waypoint (its own identity, waypoint token).
 */
@NullMarked
package io.trellis.proxy.core.ca;

import org.jspecify.annotations.NullMarked;
