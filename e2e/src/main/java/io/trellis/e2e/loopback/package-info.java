/**
 * The mesh on the host's loopback, for machines without root: the controller, node-proxies in their loopback node
 * mode, a waypoint and apps, each on its own 127.x address, reached through the node-proxies' SOCKS5 entries.
 */
@NullMarked
package io.trellis.e2e.loopback;

import org.jspecify.annotations.NullMarked;
