package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two hooks a node-proxy needs: a pool whose TCP connections come from a supplied dialer, and
 * an HBONE server serving connections accepted by a listener it did not create.
 */
class DialerAndInitializerTest {

    private Transport transport;
    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "dialer-test");
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void tunnelRunsOverDialedConnectionIntoForeignListener() throws Exception {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            // A listener the HBONE server did not create, serving through its initializer.
            Channel foreign = new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                    .childHandler(fixture.server.connectionInitializer())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
            InetSocketAddress foreignAddress = (InetSocketAddress) foreign.localAddress();
            ConcurrentLinkedQueue<InetSocketAddress> dialed = new ConcurrentLinkedQueue<>();
            // The dialer picks the source address, as a pod-namespace socket would carry the pod's IP.
            HboneDialer dialer = (bootstrap, address) -> {
                dialed.add(address);
                var promise = bootstrap.config().group().next().<Channel>newPromise();
                var connect = bootstrap.clone().localAddress(new InetSocketAddress("127.0.0.3", 0)).connect(address);
                connect.addListener(f -> {
                    if (f.isSuccess()) {
                        promise.setSuccess(connect.channel());
                    } else {
                        promise.setFailure(f.cause());
                    }
                });
                return promise;
            };
            SslContext clientTls = TlsContexts.client(fixture.clientCert, Clock.systemUTC());
            try (HboneClientPool pool = HboneClientPool.create(HbonePoolConfig.defaults(),
                    s -> clientTls, group, transport, fixture.registry, dialer)) {
                InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
                TunnelRequest request = new TunnelRequest(TunnelFixture.CLIENT_ID, TunnelFixture.SERVER_ID,
                        foreignAddress, upstream, null, null, null);
                Channel entry = ChannelTuning.server(new ServerBootstrap()).group(group)
                        .channel(transport.serverSocketChannel())
                        .childHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.pipeline().remove(this);
                                pool.open(request).whenComplete((stream, failure) -> {
                                    if (failure != null) {
                                        ctx.close();
                                    } else {
                                        Relay.start(ctx.channel(), stream);
                                    }
                                });
                            }

                            @Override
                            public boolean isSharable() {
                                return true;
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
                InetSocketAddress entryAddress = (InetSocketAddress) entry.localAddress();
                try (Socket app = new Socket(entryAddress.getAddress(), entryAddress.getPort())) {
                    OutputStream out = app.getOutputStream();
                    out.write("ping".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    byte[] back = new byte[4];
                    new DataInputStream(app.getInputStream()).readFully(back);
                    assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("ping");
                } finally {
                    entry.close().syncUninterruptibly();
                }
                assertThat(dialed).containsExactly(foreignAddress);
                HboneRequest seen = fixture.requests.peek();
                assertThat(seen).isNotNull();
                assertThat(seen.peerAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.3");
                assertThat(seen.localAddress()).isEqualTo(foreignAddress);
            } finally {
                foreign.close().syncUninterruptibly();
            }
        }
    }

    @Test
    void dialFailureFailsTheTunnelWithTheReason() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            SslContext clientTls = TlsContexts.client(fixture.clientCert, Clock.systemUTC());
            HboneDialer refusing = (bootstrap, address) -> bootstrap.config().group().next()
                    .<Channel>newFailedFuture(new ConnectException("Connection refused"));
            try (HboneClientPool pool = HboneClientPool.create(HbonePoolConfig.defaults(),
                    s -> clientTls, group, transport, fixture.registry, refusing)) {
                TunnelRequest request = new TunnelRequest(TunnelFixture.CLIENT_ID, TunnelFixture.SERVER_ID,
                        new InetSocketAddress("127.0.0.1", 9), new InetSocketAddress("127.0.0.1", 9), null, null, null);
                assertThatThrownBy(() -> pool.open(request).join())
                        .isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(TunnelException.ConnectFailed.class)
                        .hasMessageContaining("refused");
                assertThat(pool.connectionCount()).isZero();
            }
        }
    }
}
