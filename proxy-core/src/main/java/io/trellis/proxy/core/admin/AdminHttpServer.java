package io.trellis.proxy.core.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One small HTTP/1.1 server for operators, on a dedicated single-thread NIO event loop so that a slow scrape or a
 * large config dump never delays proxied traffic, and proxied load never starves health checks.
 */
public final class AdminHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);

    /** Admin, loopback only: it can change log levels and stop the proxy. */
    public static final int ADMIN_PORT = 15000;
    public static final int METRICS_PORT = 15020;
    public static final int READINESS_PORT = 15021;

    /** Requests are tiny; anything bigger is not for us. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** An idle or trickling client must not hold a connection forever. */
    private static final int IDLE_SECONDS = 60;

    private final String name;
    private final EventLoopGroup group;
    private final Channel channel;

    private AdminHttpServer(String name, EventLoopGroup group, Channel channel) {
        this.name = name;
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds and starts serving {@code routes}.
     *
     * @param name for logs and the event loop thread, e.g. {@code admin}
     * @throws IOException with the address when it cannot bind (port in use: is another proxy running?)
     */
    public static AdminHttpServer start(String name, InetSocketAddress bind, AdminRoutes routes) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                Thread.ofPlatform().daemon().name("trellis-" + name).factory(), NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    new AdminChannelHandler(name, routes));
                        }
                    })
                    .bind(bind).sync().channel();
            LOG.info("event=admin_server_started server={} address={}", name, ch.localAddress());
            return new AdminHttpServer(name, group, ch);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("cannot serve " + name + " on " + bind + ": " + e.getMessage()
                    + " (is another proxy already using the port?)", e);
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        LOG.info("event=admin_server_stopped server={}", name);
    }
}
