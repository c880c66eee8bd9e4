/** Shared by node-proxy and waypoint: the HBONE tunnel (transports, mutual TLS, HTTP/2 CONNECT, the copy loop). */
@NullMarked
package io.trellis.proxy.core;

import org.jspecify.annotations.NullMarked;
