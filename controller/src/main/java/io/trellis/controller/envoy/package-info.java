/** Envoy v3 xDS (LDS/RDS/CDS/EDS) for waypoints and proxyless gRPC clients, served through java-control-plane. */
@NullMarked
package io.trellis.controller.envoy;

import org.jspecify.annotations.NullMarked;
