package io.trellis.proxy.core.hbone;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;

/** Connections are pooled per (source identity, destination identity, destination address). */
record PoolKey(SpiffeId source, SpiffeId destination, InetSocketAddress address) {}
