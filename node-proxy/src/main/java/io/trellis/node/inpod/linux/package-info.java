/**
 * Linux implementations of the in-pod seams through {@code java.lang.foreign}: setns,
 * socket options (SO_ORIGINAL_DST, SO_MARK, IP_TRANSPARENT, SO_REUSEPORT) and Unix
 * SOCK_SEQPACKET sockets with SCM_RIGHTS. Every FFM call in the node-proxy is in this package.
 * The JVM must run with {@code --enable-native-access=ALL-UNNAMED}.
 */
@NullMarked
package io.trellis.node.inpod.linux;

import org.jspecify.annotations.NullMarked;
