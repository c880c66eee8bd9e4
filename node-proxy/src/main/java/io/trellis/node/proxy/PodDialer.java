package io.trellis.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.PodOutboundConnector;
import io.trellis.proxy.core.hbone.HboneDialer;
import java.net.InetSocketAddress;

/**
 * Dials from inside one pod's network namespace with the capture mark, so the connection carries the
 * pod's IP and the pod's capture rules let it out instead of redirecting it back to 15001.
 */
final class PodDialer implements HboneDialer {

    private final PodOutboundConnector connector;
    private final Netns netns;

    PodDialer(PodOutboundConnector connector, Netns netns) {
        this.connector = connector;
        this.netns = netns;
    }

    @Override
    public Future<Channel> dial(Bootstrap bootstrap, InetSocketAddress address) {
        return connector.connect(netns, bootstrap, address, null);
    }
}
