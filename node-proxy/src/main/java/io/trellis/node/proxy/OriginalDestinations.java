package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.SocketOptions;
import java.net.InetSocketAddress;

/** Where a captured connection was going before the capture rules redirected it to us. */
@FunctionalInterface
public interface OriginalDestinations {

    /** The original destination of an accepted, redirected connection. */
    InetSocketAddress of(Channel accepted) throws NativeCallException;

    /** {@code SO_ORIGINAL_DST} on the accepted epoll socket. */
    static OriginalDestinations fromSocket(SocketOptions options) {
        return ch -> {
            if (!(ch instanceof EpollSocketChannel epoll)) {
                throw new IllegalStateException("SO_ORIGINAL_DST needs an epoll socket, got " + ch.getClass().getName());
            }
            return options.originalDestination(epoll.fd().intValue(), epoll.localAddress());
        };
    }
}
