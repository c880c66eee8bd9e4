/**
 * The node-proxy's operator surface: what {@code /config_dump} shows, when {@code /healthz/ready} says ready, and
 * the three servers of {@link io.trellis.proxy.core.admin} wired to the node-proxy's state.
 */
@NullMarked
package io.trellis.node.admin;

import org.jspecify.annotations.NullMarked;
