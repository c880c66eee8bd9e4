package io.trellis.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.trellis.proxy.core.hbone.HboneDialer;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * How one source opens TCP connections: HBONE tunnels use it without a source address, connections
 * to a local app may ask for the client's address as source ({@code IP_TRANSPARENT}).
 */
interface Dialer extends HboneDialer {

    /**
     * Connects to {@code address}; with {@code source}, from that (foreign) address so the peer sees
     * the original client. Fails with {@link SourceAddressRefused} when the kernel will not allow it.
     */
    Future<Channel> dial(Bootstrap bootstrap, InetSocketAddress address, @Nullable InetSocketAddress source);

    @Override
    default Future<Channel> dial(Bootstrap bootstrap, InetSocketAddress address) {
        return dial(bootstrap, address, null);
    }
}
