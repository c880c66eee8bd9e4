package io.trellis.proxy.core.hbone;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * Opens the TCP connection under a pooled HBONE connection, for callers that must create the socket
 * somewhere special: a node-proxy creates it inside the source pod's network namespace, with a mark
 * its capture rules skip, so the tunnel leaves with the pod's IP.
 *
 * <p>Without a dialer the pool simply calls {@code bootstrap.connect(address)}.
 */
@FunctionalInterface
public interface HboneDialer {

    /**
     * Connects a channel configured by {@code bootstrap} (its group is the single event loop that owns
     * the pooled connection; channel class, options and handler are set) to {@code address}. Must not
     * block. The future completes once connected, or fails with the connect error (its message is
     * reported to the tunnel's requester).
     */
    Future<Channel> dial(Bootstrap bootstrap, InetSocketAddress address);
}
