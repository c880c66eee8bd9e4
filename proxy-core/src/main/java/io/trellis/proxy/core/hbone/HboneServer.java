package io.trellis.proxy.core.hbone;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts HBONE: TLS 1.3 mutual TLS, ALPN h2, HTTP/2 CONNECT to {@code ip:port}, each stream
 * decided by an {@link HboneHandler} and then relayed.
 *
 * <p>The certificate is chosen per accepted connection from its local address
 * ({@link ServerCertificates}), so one listener can serve many identities; {@link #bind} may be
 * called several times (e.g. one listener per pod).
 */
public final class HboneServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HboneServer.class);

    private final ServerBootstrap bootstrap;
    private final ChannelGroup channels = new DefaultChannelGroup("hbone-server", GlobalEventExecutor.INSTANCE);
    private final AtomicLong accepted = new AtomicLong();
    private final ChannelInitializer<Channel> connectionInitializer;

    private HboneServer(HboneServerConfig config, ServerCertificates certificates, HboneHandler handler,
            EventLoopGroup group, Transport transport, MeterRegistry registry) {
        HboneMetrics metrics = new HboneMetrics(registry, "server");
        this.connectionInitializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted.incrementAndGet();
                channels.add(ch);
                InetSocketAddress local = (InetSocketAddress) ch.localAddress();
                SslContext tls = certificates.forLocalAddress(local);
                if (tls == null) {
                    InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
                    TunnelException error = new TunnelException.HandshakeFailed("HBONE connection from " + peer
                            + " to " + local + " refused: no workload certificate for that address "
                            + "(is a workload with that IP enrolled on this node?)", null);
                    metrics.connectionsFailed.increment();
                    LOG.info("event=hbone_connection_rejected peer_addr={} reason=\"{}\"", peer, error.getMessage());
                    handler.connectionRejected(peer, error);
                    ch.close();
                    return;
                }
                SslHandler ssl = tls.newHandler(ch.alloc());
                ssl.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
                ch.pipeline().addLast("tls", ssl);
                ch.pipeline().addLast("gate", new ServerConnectionHandler(config, handler, metrics));
            }
        };
        this.bootstrap = ChannelTuning.server(new ServerBootstrap())
                .group(group)
                .channel(transport.serverSocketChannel())
                // The TLS connection itself is read continuously: HTTP/2 flow control, not socket
                // reads, is what applies backpressure per stream, and control frames must flow.
                .childOption(ChannelOption.AUTO_READ, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, false)
                .childHandler(connectionInitializer);
    }

    /**
     * Creates a server; nothing listens until {@link #bind}.
     *
     * @param group event loops of {@code transport}; upstream connections should use the same group
     */
    public static HboneServer create(HboneServerConfig config, ServerCertificates certificates, HboneHandler handler,
            EventLoopGroup group, Transport transport, MeterRegistry registry) {
        return new HboneServer(config, certificates, handler, group, transport, registry);
    }

    /** Listens on {@code address}; completes with the bound address (port 0 picks a free port). */
    public CompletableFuture<InetSocketAddress> bind(InetSocketAddress address) {
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        ChannelFuture f = bootstrap.bind(address);
        f.addListener(done -> {
            if (done.isSuccess()) {
                channels.add(f.channel());
                InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
                LOG.info("event=hbone_listening address={}", local);
                bound.complete(local);
            } else {
                bound.completeExceptionally(new IllegalStateException("cannot listen for HBONE on " + address + ": "
                        + done.cause().getMessage() + " (is another proxy already bound there?)", done.cause()));
            }
        });
        return bound;
    }

    /**
     * The handler that turns an accepted TCP connection into an HBONE server connection, for
     * listeners this server did not create (e.g. sockets opened inside a pod's network namespace).
     * Sharable. The accepted channel must read automatically and not allow half-closure (Netty's
     * defaults); connections it serves are closed by {@link #close} like the server's own.
     */
    public ChannelHandler connectionInitializer() {
        return connectionInitializer;
    }

    /** TCP connections accepted so far (including ones refused during TLS). */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Stops listening and closes every connection (tunnels are aborted). Blocks: not from an event loop. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
    }
}
