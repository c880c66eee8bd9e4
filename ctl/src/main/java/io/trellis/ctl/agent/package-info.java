/**
 * The node agent's process: wires {@code io.trellis.install.agent} (decisions, CNI socket, capture rules) to the
 * node-proxy's enrollment client. It lives here because the node-proxy module's tests depend on the install
 * module, so install cannot depend on the node-proxy.
 */
@NullMarked
package io.trellis.ctl.agent;

import org.jspecify.annotations.NullMarked;
