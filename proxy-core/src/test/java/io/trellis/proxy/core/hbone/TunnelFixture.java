package io.trellis.proxy.core.hbone;

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
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A complete tunnel on loopback: app -> entry listener -> HBONE client pool == mTLS/HTTP2 ==>
 * HBONE server -> upstream app. The entry listener plays the node-proxy's outbound side.
 */
final class TunnelFixture implements AutoCloseable {

    static final String TRUST_DOMAIN = "cluster.local";
    static final SpiffeId CLIENT_ID = SpiffeId.of(TRUST_DOMAIN, "front", "web");
    static final SpiffeId SERVER_ID = SpiffeId.of(TRUST_DOMAIN, "back", "db");

    final Transport transport;
    final EventLoopGroup group;
    final CertificateAuthority ca;
    final WorkloadCertificate clientCert;
    final WorkloadCertificate serverCert;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ConcurrentLinkedQueue<HboneRequest> requests = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<TunnelException> serverRejections = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> entryFailures = new ConcurrentLinkedQueue<>();
    final HboneServer server;
    final InetSocketAddress hboneAddress;
    final HboneClientPool pool;
    private final List<Channel> listeners = new ArrayList<>();

    TunnelFixture(Transport transport, EventLoopGroup group) {
        this(transport, group, HbonePoolConfig.defaults());
    }

    TunnelFixture(Transport transport, EventLoopGroup group, HbonePoolConfig poolConfig) {
        this(transport, group, poolConfig, CertificateAuthority.selfSigned(TRUST_DOMAIN, Duration.ofDays(30), Clock.systemUTC()));
    }

    private TunnelFixture(Transport transport, EventLoopGroup group, HbonePoolConfig poolConfig, CertificateAuthority ca) {
        this(transport, group, poolConfig, ca, ca.issue(CLIENT_ID, Duration.ofHours(1)), ca.issue(SERVER_ID, Duration.ofHours(1)));
    }

    TunnelFixture(Transport transport, EventLoopGroup group, HbonePoolConfig poolConfig, CertificateAuthority ca,
            WorkloadCertificate clientCert, WorkloadCertificate serverCert) {
        this(transport, group, poolConfig, ca, clientCert, serverCert, HboneServerConfig.defaults());
    }

    TunnelFixture(Transport transport, EventLoopGroup group, HbonePoolConfig poolConfig, CertificateAuthority ca,
            WorkloadCertificate clientCert, WorkloadCertificate serverCert, HboneServerConfig serverConfig) {
        this.transport = transport;
        this.group = group;
        this.ca = ca;
        this.clientCert = clientCert;
        this.serverCert = serverCert;
        TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(5));
        HboneHandler handler = new HboneHandler() {
            @Override
            public java.util.concurrent.CompletionStage<Channel> open(HboneRequest request) {
                requests.add(request);
                return HboneHandler.fromConnect(connector.connect(request.target(), request.eventLoop()));
            }

            @Override
            public void connectionRejected(InetSocketAddress peer, TunnelException error) {
                serverRejections.add(error);
            }
        };
        this.server = HboneServer.create(serverConfig, ServerCertificates.single(TlsContexts.server(serverCert, Clock.systemUTC())),
                handler, group, transport, registry);
        this.hboneAddress = server.bind(new InetSocketAddress("127.0.0.1", 0)).join();
        SslContext clientTls = TlsContexts.client(clientCert, Clock.systemUTC());
        this.pool = HboneClientPool.create(poolConfig, source -> source.equals(CLIENT_ID) ? clientTls : null,
                group, transport, registry);
    }

    TunnelRequest request(InetSocketAddress upstream, InetSocketAddress from) {
        return request(upstream, from, hboneAddress);
    }

    TunnelRequest request(InetSocketAddress upstream, InetSocketAddress from, InetSocketAddress hbone) {
        return new TunnelRequest(CLIENT_ID, SERVER_ID, hbone, upstream, from, "k8s.namespace.name=front",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }

    /** A plain TCP listener whose every connection is tunnelled to {@code upstream}. */
    InetSocketAddress entryTo(InetSocketAddress upstream) {
        return entryTo(upstream, hboneAddress);
    }

    /** As above, through the HBONE server at {@code hbone} (which must present SERVER_ID). */
    InetSocketAddress entryTo(InetSocketAddress upstream, InetSocketAddress hbone) {
        Channel listener = ChannelTuning.server(new ServerBootstrap()).group(group).channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Epoll and io_uring deliver a FIN (and the bytes before it) even with
                        // auto-read off; the hold keeps them until the tunnel is up.
                        ch.pipeline().addLast(new InboundHold());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.fireChannelActive();
                                ctx.pipeline().remove(this);
                                Channel downstream = ctx.channel();
                                pool.open(request(upstream, (InetSocketAddress) downstream.remoteAddress(), hbone))
                                        .whenComplete((stream, failure) -> {
                                            if (failure != null) {
                                                entryFailures.add(failure);
                                                downstream.config().setOption(ChannelOption.SO_LINGER, 0);
                                                downstream.close();
                                            } else {
                                                Relay.start(downstream, stream);
                                            }
                                        });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        listeners.add(listener);
        return (InetSocketAddress) listener.localAddress();
    }

    Channel upstream(java.util.function.Supplier<ChannelInboundHandlerAdapter> handler) {
        Channel ch = TestApps.listen(group, transport, handler);
        listeners.add(ch);
        return ch;
    }

    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        pool.close();
        server.close();
    }
}
