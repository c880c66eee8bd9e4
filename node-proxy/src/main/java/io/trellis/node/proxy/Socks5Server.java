package io.trellis.node.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS5 entry (default {@code 127.0.0.1:15080}) for hosts where capture is not available: an
 * application configured with a SOCKS5 proxy reaches the mesh through the same outbound path as a
 * captured pod. CONNECT only, no authentication, so it must only listen on loopback.
 */
public final class Socks5Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Socks5Server.class);

    /** Default port. */
    public static final int DEFAULT_PORT = 15080;

    private final Channel listener;

    private Socks5Server(Channel listener) {
        this.listener = listener;
    }

    static Socks5Server start(InetSocketAddress bind, EventLoopGroup group, Transport transport,
            Socks5Handler.Factory handlers) {
        if (!bind.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the SOCKS5 entry has no authentication and must listen on loopback, not "
                    + bind);
        }
        Channel ch = ChannelTuning.server(new ServerBootstrap())
                .group(group)
                .channel(transport.serverSocketChannel())
                .childOption(ChannelOption.AUTO_READ, true) // the handshake is read eagerly; the relay turns it off
                .childHandler(handlers)
                .bind(bind).syncUninterruptibly().channel();
        LOG.info("event=socks5_listening address={}", ch.localAddress());
        return new Socks5Server(ch);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }
}
