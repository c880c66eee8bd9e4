/** HBONE: HTTP/2 CONNECT over mutual TLS. The server accepts tunnels, the client pool opens them. */
@NullMarked
package io.trellis.proxy.core.hbone;

import org.jspecify.annotations.NullMarked;
