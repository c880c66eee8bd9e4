/**
 * The node-proxy's traffic paths: captured outbound connections ({@code Outbound*}), inbound HBONE
 * and inbound plaintext ({@code Inbound*}), plain TCP to destinations outside the mesh
 * ({@code Passthrough*}) and the loopback SOCKS5 entry ({@code Socks5*}). Every path reads the
 * current {@link io.trellis.node.state.MeshState} snapshot on its event loop and never blocks.
 */
@NullMarked
package io.trellis.node.proxy;

import org.jspecify.annotations.NullMarked;
