/** The node-proxy process: {@link io.trellis.node.NodeProxyMain} (CLI) and {@link io.trellis.node.NodeProxy} (wiring). */
@NullMarked
package io.trellis.node;

import org.jspecify.annotations.NullMarked;
