/** Test fixtures shared by the node-proxy's test packages. */
@NullMarked
package io.trellis.node.testing;

import org.jspecify.annotations.NullMarked;
