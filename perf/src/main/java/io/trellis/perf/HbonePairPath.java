package io.trellis.perf;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HboneHandler;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.hbone.HboneServer;
import io.trellis.proxy.core.hbone.HboneServerConfig;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;

/**
 * Two proxies joined by an HBONE tunnel, as a node-proxy pair: the client connects in plain TCP to
 * proxy A's entry listener, A opens a CONNECT stream over mTLS (TLS 1.3, HTTP/2) to proxy B, and B
 * connects to the target. Each proxy runs on its own event loops, as it would in its own process.
 */
final class HbonePairPath implements BenchPath.Factory, AutoCloseable {

    private static final String TRUST_DOMAIN = "cluster.local";
    private static final SpiffeId SOURCE = SpiffeId.of(TRUST_DOMAIN, "bench", "client");
    private static final SpiffeId DESTINATION = SpiffeId.of(TRUST_DOMAIN, "bench", "server");

    private final Transport transport;
    private final EventLoopGroup proxyA;
    private final HboneServer server;
    private final InetSocketAddress hboneAddress;
    private final HboneClientPool pool;

    HbonePairPath(Transport transport, EventLoopGroup proxyA, EventLoopGroup proxyB) {
        this.transport = transport;
        this.proxyA = proxyA;
        CertificateAuthority ca = CertificateAuthority.selfSigned(TRUST_DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TcpConnector upstream = new TcpConnector(transport, Duration.ofSeconds(5));
        HboneHandler connectToTarget = request ->
                HboneHandler.fromConnect(upstream.connect(request.target(), request.eventLoop()));
        this.server = HboneServer.create(HboneServerConfig.defaults(),
                ServerCertificates.single(TlsContexts.server(ca.issue(DESTINATION, Duration.ofHours(1)), Clock.systemUTC())),
                connectToTarget, proxyB, transport, registry);
        this.hboneAddress = server.bind(new InetSocketAddress("127.0.0.1", 0)).join();
        SslContext clientTls = TlsContexts.client(ca.issue(SOURCE, Duration.ofHours(1)), Clock.systemUTC());
        this.pool = HboneClientPool.create(HbonePoolConfig.defaults(),
                source -> source.equals(SOURCE) ? clientTls : null, proxyA, transport, registry);
    }

    @Override
    public String name() {
        return "hbone-pair";
    }

    @Override
    public String description() {
        return "client -> proxy A (plain TCP) == HBONE: HTTP/2 CONNECT over mTLS TLS 1.3 ("
                + TlsContexts.provider() + ") ==> proxy B -> target; a node-proxy pair's data path";
    }

    @Override
    public BenchPath open(InetSocketAddress target) throws InterruptedException {
        Channel entry = ChannelTuning.server(new ServerBootstrap())
                .group(proxyA)
                .channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new TunnelOnActive(target));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new BenchPath() {
            @Override
            public InetSocketAddress entry() {
                return (InetSocketAddress) entry.localAddress();
            }

            @Override
            public void close() {
                entry.close().syncUninterruptibly();
            }
        };
    }

    @Override
    public void close() {
        pool.close();
        server.close();
    }

    /** Opens the tunnel when a client connects, then relays; a failed tunnel resets the client. */
    private final class TunnelOnActive extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress target;

        TunnelOnActive(InetSocketAddress target) {
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.pipeline().remove(this);
            Channel downstream = ctx.channel();
            TunnelRequest request = new TunnelRequest(SOURCE, DESTINATION, hboneAddress, target,
                    (InetSocketAddress) downstream.remoteAddress(), null, null);
            pool.open(request).whenComplete((stream, failure) -> {
                if (failure != null) {
                    System.err.println("bench: tunnel failed: " + failure.getMessage());
                    downstream.config().setOption(ChannelOption.SO_LINGER, 0);
                    downstream.close();
                } else {
                    Relay.start(downstream, stream);
                }
            });
        }
    }
}
