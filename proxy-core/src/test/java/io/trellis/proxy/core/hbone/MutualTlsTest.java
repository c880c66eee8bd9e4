package io.trellis.proxy.core.hbone;

import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way a peer's certificate can be wrong is refused, with a message that says which way. */
class MutualTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Transport transport;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "tls-test");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Throwable openFailure(TunnelFixture fixture, TunnelRequest request) {
        Throwable thrown = catchThrowable(() -> fixture.pool.open(request).join());
        assertThat(thrown).isInstanceOf(CompletionException.class);
        return thrown.getCause();
    }

    /** An extra HBONE server presenting {@code certificate}, sharing the fixture's handler semantics. */
    private static HboneServer serverWith(TunnelFixture fixture, WorkloadCertificate certificate) {
        return HboneServer.create(HboneServerConfig.defaults(),
                ServerCertificates.single(TlsContexts.server(certificate, Clock.systemUTC())),
                request -> HboneHandler.reject(500, "must not be reached"), group, transport, new SimpleMeterRegistry());
    }

    @Test
    void wrongServerIdentityIsRefusedBeforeConnect() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            SpiffeId expected = SpiffeId.of(TunnelFixture.TRUST_DOMAIN, "back", "cache");
            TunnelRequest request = new TunnelRequest(TunnelFixture.CLIENT_ID, expected, fixture.hboneAddress,
                    new InetSocketAddress("127.0.0.1", 9), null, null, null);
            Throwable failure = openFailure(fixture, request);
            assertThat(failure).isInstanceOf(TunnelException.PeerIdentityMismatch.class)
                    .hasMessageContaining("presented identity spiffe://cluster.local/ns/back/sa/db")
                    .hasMessageContaining("spiffe://cluster.local/ns/back/sa/cache was expected");
            assertThat(fixture.requests).as("no CONNECT may reach the wrong workload").isEmpty();
        }
    }

    @Test
    void expiredServerCertificateIsRefused() {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now.minus(Duration.ofHours(3)));
        CertificateAuthority ca = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(30), clock);
        WorkloadCertificate expiredServer = ca.issue(TunnelFixture.SERVER_ID, Duration.ofHours(1));
        clock.set(now);
        WorkloadCertificate client = ca.issue(TunnelFixture.CLIENT_ID, Duration.ofHours(1));
        try (TunnelFixture fixture = new TunnelFixture(transport, group, HbonePoolConfig.defaults(), ca, client, expiredServer)) {
            Throwable failure = openFailure(fixture, fixture.request(new InetSocketAddress("127.0.0.1", 9), null));
            assertThat(failure).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageContaining("server certificate rejected")
                    .hasMessageContaining("spiffe://cluster.local/ns/back/sa/db")
                    .hasMessageContaining("expired at");
        }
    }

    @Test
    void expiredClientCertificateIsRefusedByTheServer() {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now.minus(Duration.ofHours(3)));
        CertificateAuthority ca = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(30), clock);
        WorkloadCertificate expiredClient = ca.issue(TunnelFixture.CLIENT_ID, Duration.ofHours(1));
        clock.set(now);
        WorkloadCertificate server = ca.issue(TunnelFixture.SERVER_ID, Duration.ofHours(1));
        try (TunnelFixture fixture = new TunnelFixture(transport, group, HbonePoolConfig.defaults(), ca, expiredClient, server)) {
            Throwable failure = openFailure(fixture, fixture.request(new InetSocketAddress("127.0.0.1", 9), null));
            assertThat(failure).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageContaining("rejected our certificate (spiffe://cluster.local/ns/front/sa/web)");
            Await.until("server reports the rejection", WAIT, () -> !fixture.serverRejections.isEmpty());
            assertThat(fixture.serverRejections.peek()).hasMessageContaining("client certificate rejected")
                    .hasMessageContaining("spiffe://cluster.local/ns/front/sa/web")
                    .hasMessageContaining("expired at");
        }
    }

    @Test
    void serverFromAnotherCaIsRefused() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            CertificateAuthority rogue = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(1),
                    Clock.systemUTC());
            try (HboneServer impostor = serverWith(fixture, rogue.issue(TunnelFixture.SERVER_ID, Duration.ofHours(1)))) {
                InetSocketAddress address = impostor.bind(new InetSocketAddress("127.0.0.1", 0)).join();
                TunnelRequest request = new TunnelRequest(TunnelFixture.CLIENT_ID, TunnelFixture.SERVER_ID, address,
                        new InetSocketAddress("127.0.0.1", 9), null, null, null);
                Throwable failure = openFailure(fixture, request);
                assertThat(failure).isInstanceOf(TunnelException.HandshakeFailed.class)
                        .hasMessageContaining("server certificate rejected")
                        .hasMessageContaining("does not chain to a trusted root of trust domain cluster.local");
            }
        }
    }

    @Test
    void clientFromAnotherCaIsRefusedByTheServer() {
        CertificateAuthority ca = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        CertificateAuthority rogue = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        WorkloadCertificate server = ca.issue(TunnelFixture.SERVER_ID, Duration.ofHours(1));
        // The rogue client trusts the real CA (so it accepts the server) but holds a rogue certificate.
        WorkloadCertificate rogueClient = rogue.issue(TunnelFixture.CLIENT_ID, Duration.ofHours(1));
        WorkloadCertificate client = new WorkloadCertificate(rogueClient.id(), rogueClient.privateKey(),
                rogueClient.chain(), ca.trustBundle());
        try (TunnelFixture fixture = new TunnelFixture(transport, group, HbonePoolConfig.defaults(), ca, client, server)) {
            Throwable failure = openFailure(fixture, fixture.request(new InetSocketAddress("127.0.0.1", 9), null));
            assertThat(failure).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageContaining("rejected our certificate");
            Await.until("server reports the rejection", WAIT, () -> !fixture.serverRejections.isEmpty());
            assertThat(fixture.serverRejections.peek()).hasMessageContaining("does not chain to a trusted root");
        }
    }

    @Test
    void clientWithoutCertificateIsRefused() throws Exception {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            SslContext anonymous = SslContextBuilder.forClient()
                    .sslProvider(TlsContexts.provider())
                    .protocols("TLSv1.3")
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                    .build();
            Channel ch = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(anonymous.newHandler(c.alloc()));
                        }
                    })
                    .connect(fixture.hboneAddress).sync().channel();
            Await.until("server refuses the anonymous client", WAIT, () -> !fixture.serverRejections.isEmpty());
            assertThat(fixture.serverRejections.peek()).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageContaining("presented no client certificate");
            Await.until("connection closed", WAIT, () -> !ch.isActive());
        }
    }

    @Test
    void unknownSourceIdentityFailsClearly() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            SpiffeId stranger = SpiffeId.of(TunnelFixture.TRUST_DOMAIN, "front", "unknown");
            TunnelRequest request = new TunnelRequest(stranger, TunnelFixture.SERVER_ID, fixture.hboneAddress,
                    new InetSocketAddress("127.0.0.1", 9), null, null, null);
            assertThat(openFailure(fixture, request)).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageContaining("no workload certificate held for source identity " + stranger);
        }
    }
}
