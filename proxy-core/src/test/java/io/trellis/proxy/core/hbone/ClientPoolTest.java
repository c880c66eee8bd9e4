package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.EventExecutor;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pooling rules: share while connecting, respect stream limits, evict idle, fail clearly. */
class ClientPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Transport transport;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "pool-test");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static List<Http2StreamChannel> openAll(HboneClientPool pool, TunnelRequest request, int n) {
        List<CompletableFuture<Http2StreamChannel>> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(pool.open(request));
        }
        return pending.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void concurrentOpensWaitForOneConnection() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            List<Http2StreamChannel> streams = openAll(fixture.pool, fixture.request(upstream, null), 50);
            assertThat(fixture.server.acceptedConnections()).as("50 requests made while connecting").isEqualTo(1);
            streams.forEach(s -> s.close().syncUninterruptibly());
        }
    }

    @Test
    void aTunnelOpenedOnAPoolLoopRidesAConnectionOnThatLoop() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            TunnelRequest request = fixture.request(upstream, null);
            List<Http2StreamChannel> streams = new ArrayList<>();
            for (EventExecutor e : group) {
                EventLoop loop = (EventLoop) e;
                for (int i = 0; i < 2; i++) {
                    Http2StreamChannel stream = CompletableFuture.supplyAsync(() -> fixture.pool.open(request), loop)
                            .thenCompose(f -> f).join();
                    assertThat(stream.eventLoop()).as("stream opened from a pool loop").isSameAs(loop);
                    streams.add(stream);
                }
            }
            assertThat(fixture.server.acceptedConnections()).as("one connection per loop, shared by its tunnels")
                    .isEqualTo(2);
            streams.forEach(s -> s.close().syncUninterruptibly());
        }
    }

    @Test
    void serverStreamLimitOpensMoreConnections() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(5));
            try (HboneServer strict = HboneServer.create(new HboneServerConfig(2, Duration.ofSeconds(10)),
                    ServerCertificates.single(TlsContexts.server(fixture.serverCert, Clock.systemUTC())),
                    request -> HboneHandler.fromConnect(connector.connect(request.target(), request.eventLoop())),
                    group, transport, new SimpleMeterRegistry())) {
                InetSocketAddress address = strict.bind(new InetSocketAddress("127.0.0.1", 0)).join();
                List<Http2StreamChannel> streams = openAll(fixture.pool, fixture.request(upstream, null, address), 5);
                assertThat(streams).allMatch(Http2StreamChannel::isActive);
                assertThat(strict.acceptedConnections()).as("5 streams at 2 per connection").isEqualTo(3);
                streams.forEach(s -> s.close().syncUninterruptibly());
            }
        }
    }

    @Test
    void idleConnectionsAreEvictedByTheInjectedClock() {
        AtomicLong now = new AtomicLong();
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            try (HboneClientPool pool = HboneClientPool.create(HbonePoolConfig.defaults(),
                    source -> TlsContexts.client(fixture.clientCert, Clock.systemUTC()), group, transport,
                    new SimpleMeterRegistry(), now::get)) {
                Http2StreamChannel stream = pool.open(fixture.request(upstream, null)).join();
                assertThat(pool.evictIdle().join()).as("busy connection stays").isZero();
                stream.close().syncUninterruptibly();
                Await.until("stream released", WAIT, () -> pool.evictIdle().join() == 0 && pool.connectionCount() == 1);
                now.addAndGet(Duration.ofSeconds(59).toNanos());
                assertThat(pool.evictIdle().join()).as("idle for 59 s of 60").isZero();
                now.addAndGet(Duration.ofSeconds(2).toNanos());
                assertThat(pool.evictIdle().join()).as("idle for 61 s").isEqualTo(1);
                assertThat(pool.connectionCount()).isZero();
                pool.open(fixture.request(upstream, null)).join().close().syncUninterruptibly();
                assertThat(fixture.server.acceptedConnections()).as("a new connection after eviction").isEqualTo(2);
            }
        }
    }

    @Test
    void refusedConnectionSaysWhatToCheck() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", closedPort);
            Throwable failure = catchThrowable(() -> fixture.pool.open(
                    fixture.request(new InetSocketAddress("127.0.0.1", 9), null, nowhere)).join());
            assertThat(failure).isInstanceOf(CompletionException.class);
            assertThat(failure.getCause()).isInstanceOf(TunnelException.ConnectFailed.class)
                    .hasMessage("HBONE connect to 127.0.0.1:" + closedPort
                            + " refused: is the node-proxy on that node running?");
        }
    }

    @Test
    void serverThatNeverAnswersTimesOut() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            CompletableFuture<io.netty.channel.Channel> never = new CompletableFuture<>();
            try (HboneServer silent = HboneServer.create(HboneServerConfig.defaults(),
                    ServerCertificates.single(TlsContexts.server(fixture.serverCert, Clock.systemUTC())),
                    request -> never, group, transport, new SimpleMeterRegistry());
                    HboneClientPool pool = HboneClientPool.create(new HbonePoolConfig(100, Duration.ofSeconds(60),
                            Duration.ofMillis(500), Duration.ofSeconds(10)),
                            source -> TlsContexts.client(fixture.clientCert, Clock.systemUTC()), group, transport,
                            new SimpleMeterRegistry())) {
                InetSocketAddress address = silent.bind(new InetSocketAddress("127.0.0.1", 0)).join();
                Throwable failure = catchThrowable(() -> pool.open(
                        fixture.request(new InetSocketAddress("127.0.0.1", 9), null, address)).join());
                assertThat(failure.getCause()).isInstanceOf(TunnelException.StreamReset.class)
                        .hasMessageContaining("got no answer within 1 s");
            }
        }
    }

    @Test
    void upstreamRefusalComesBackAs502WithReason() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            Throwable failure = catchThrowable(() -> fixture.pool.open(
                    fixture.request(new InetSocketAddress("127.0.0.1", 1), null)).join());
            assertThat(failure.getCause()).isInstanceOf(TunnelException.Rejected.class)
                    .hasMessageContaining("rejected with 502")
                    .hasMessageContaining("upstream 127.0.0.1:1 refused the connection");
            assertThat(((TunnelException.Rejected) failure.getCause()).status()).isEqualTo(502);
        }
    }
}
