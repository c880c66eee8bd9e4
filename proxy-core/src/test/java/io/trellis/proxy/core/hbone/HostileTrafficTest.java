package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.ssl.SslContext;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile traffic against the HBONE server on loopback. For every attack: the attacker gets a clear protocol
 * answer (close, GOAWAY, RST_STREAM or an error status), it is counted in the server's metrics, the server's
 * buffer memory stays bounded, and a well-behaved client's tunnel through the same server still echoes while
 * (or right after) the attack runs. The server advertises {@value #MAX_STREAMS} concurrent streams and drops a
 * TLS handshake after 3 s so the limits are reached quickly.
 */
class HostileTrafficTest {

    private static final int MAX_STREAMS = 64;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Control frames per flood: several times Netty's 10,000 queued-control-frame limit. */
    private static final int FLOOD = 50_000;
    /** A flood's answers take a while on a loaded CI machine; this bounds the wait, it asserts no speed. */
    private static final Duration FLOOD_WAIT = Duration.ofSeconds(120);
    /** Far above what a test needs, far below what an unbounded queue per attack frame would take. */
    private static final long MEMORY_BOUND = 64L * 1024 * 1024;
    private static final AtomicInteger OPEN_UPSTREAMS = new AtomicInteger();

    private static Transport transport;
    private static EventLoopGroup group;
    /** The attacker's own threads, so its frame writing does not compete with the server it attacks. */
    private static EventLoopGroup attackerGroup;
    private static CertificateAuthority ca;

    private TunnelFixture fixture;
    private InetSocketAddress echo;
    private InetSocketAddress entry;
    private long memoryBefore;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "hostile-test");
        attackerGroup = transport.newEventLoopGroup(1, "attacker");
        ca = CertificateAuthority.selfSigned(TunnelFixture.TRUST_DOMAIN, Duration.ofDays(1), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        attackerGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void open() {
        fixture = new TunnelFixture(transport, group, HbonePoolConfig.defaults(), ca,
                ca.issue(TunnelFixture.CLIENT_ID, Duration.ofHours(1)), ca.issue(TunnelFixture.SERVER_ID, Duration.ofHours(1)),
                new HboneServerConfig(MAX_STREAMS, Duration.ofSeconds(3)));
        echo = (InetSocketAddress) fixture.upstream(CountingEcho::new).localAddress();
        entry = fixture.entryTo(echo);
        memoryBefore = usedDirectMemory();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void plainBytesAreClosedAndCounted() throws IOException {
        try (Socket good = goodTunnel(); Socket s = new Socket(fixture.hboneAddress.getAddress(), fixture.hboneAddress.getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClosed(s.getInputStream())).as("server closes a plaintext client").isTrue();
            Await.until("plaintext counted", WAIT, () -> serverCount("trellis.hbone.connections.failed") >= 1);
            assertThat(fixture.serverRejections).anySatisfy(e -> assertThat(e).isInstanceOf(TunnelException.HandshakeFailed.class));
            echoes(good, "after plaintext");
        }
        assertMemoryBounded();
    }

    @Test
    void handshakeThatNeverCompletesIsDroppedByTheTimeout() throws IOException {
        List<Socket> loris = new ArrayList<>();
        try (Socket good = goodTunnel()) {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket(fixture.hboneAddress.getAddress(), fixture.hboneAddress.getPort());
                s.setSoTimeout((int) WAIT.toMillis());
                // The first bytes of a TLS record header, then silence.
                s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
                loris.add(s);
            }
            echoes(good, "while 20 handshakes hang");
            for (Socket s : loris) {
                assertThat(readUntilClosed(s.getInputStream())).as("handshake timeout closes it").isTrue();
            }
            Await.until("timeouts counted", WAIT, () -> serverCount("trellis.hbone.connections.failed") >= 20);
            echoes(good, "after the timeouts");
        } finally {
            for (Socket s : loris) {
                s.close();
            }
        }
        assertMemoryBounded();
    }

    @Test
    void certificateFromAnotherTrustDomainIsRefused() throws IOException {
        CertificateAuthority foreign = CertificateAuthority.selfSigned("evil.example", Duration.ofDays(1), Clock.systemUTC());
        WorkloadCertificate stranger = foreign.issue(SpiffeId.of("evil.example", "front", "web"), Duration.ofHours(1));
        // It trusts our CA, so only the server's check of the client can stop it.
        WorkloadCertificate presented = new WorkloadCertificate(stranger.id(), stranger.privateKey(), stranger.chain(),
                ca.trustBundle());
        try (Socket good = goodTunnel();
                RawH2Client attacker = RawH2Client.connect(attackerGroup, transport, TlsContexts.client(presented, Clock.systemUTC()),
                        fixture.hboneAddress)) {
            Await.until("server refuses the foreign identity", WAIT, () -> !fixture.serverRejections.isEmpty());
            // The server's CertificateRequest names only its own roots, so a TLS stack usually withholds the
            // foreign certificate: either way the handshake fails and says why.
            assertThat(fixture.serverRejections.peek()).isInstanceOf(TunnelException.HandshakeFailed.class)
                    .hasMessageMatching("(?s).*(client certificate rejected|presented no client certificate).*");
            Await.until("attacker disconnected", WAIT, () -> !attacker.channel.isActive());
            assertThat(serverCount("trellis.hbone.connections.failed")).isGreaterThanOrEqualTo(1);
            echoes(good, "after the foreign certificate");
        }
    }

    @Test
    void connectToAnAddressTheHandlerCannotServeGetsAnErrorStatus() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            attacker.connect(1, "127.0.0.1:9");
            attacker.connect(3, "not-an-address");
            attacker.headers(5, new DefaultHttp2Headers().method("GET").authority("127.0.0.1:" + echo.getPort()));
            Await.until("three answers", WAIT, () -> attacker.statuses.size() == 3);
            assertThat(attacker.statuses).containsEntry(1, "502").containsEntry(3, "400").containsEntry(5, "405");
            assertThat(rejected("502") + rejected("400") + rejected("405")).isEqualTo(3);
            echoes(good, "after refused CONNECTs");
        }
    }

    @Test
    void oversizedHeadersAreRefused() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            // SETTINGS_MAX_HEADER_LIST_SIZE is 8 KiB; a 64 KiB header arrives in CONTINUATION frames.
            attacker.headers(1, new DefaultHttp2Headers().method("CONNECT").authority("127.0.0.1:" + echo.getPort())
                    .add("x-padding", "a".repeat(64 * 1024)));
            Await.until("refused", WAIT, () -> attacker.goAwayError.get() >= 0 || !attacker.resetsReceived.isEmpty()
                    || attacker.statuses.containsKey(1));
            assertThat(attacker.statuses).doesNotContainEntry(1, "200");
            Await.until("counted", WAIT, () -> protocolErrors() >= 1 || rejected("431") >= 1);
            echoes(good, "after oversized headers");
        }
        assertMemoryBounded();
    }

    @Test
    void rapidResetFloodEndsWithGoAway() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            attacker.burst(2_000, i -> {
                attacker.writeConnect(2 * i + 1, "127.0.0.1:" + echo.getPort());
                attacker.writeReset(2 * i + 1);
            });
            Await.until("GOAWAY", WAIT, () -> attacker.goAwayError.get() >= 0);
            assertThat(attacker.goAwayError.get()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
            Await.until("attacker disconnected", WAIT, () -> !attacker.channel.isActive());
            assertThat(protocolErrors("goaway", Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(1);
            echoes(good, "after a rapid-reset flood");
            Await.until("every upstream the flood opened is closed again", WAIT, () -> OPEN_UPSTREAMS.get() <= 1);
        }
        assertMemoryBounded();
    }

    @Test
    void streamsBeyondTheConcurrencyLimitAreRefused() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            attacker.burst(3 * MAX_STREAMS, i -> attacker.writeConnect(2 * i + 1, "127.0.0.1:" + echo.getPort()));
            Await.until("excess streams refused", WAIT,
                    () -> attacker.resets(Http2Error.REFUSED_STREAM) + attacker.statuses.size() >= 3 * MAX_STREAMS
                            || attacker.goAwayError.get() >= 0);
            assertThat(attacker.statuses.size()).isLessThanOrEqualTo(MAX_STREAMS);
            assertThat(OPEN_UPSTREAMS.get()).as("upstreams held for the attacker, plus the good tunnel")
                    .isLessThanOrEqualTo(MAX_STREAMS + 1);
            assertThat(protocolErrors("rst_stream", Http2Error.REFUSED_STREAM)).isGreaterThanOrEqualTo(1);
            echoes(good, "while the attacker holds every stream it may");
        }
        Await.until("the attacker's upstreams are closed with its connection", WAIT, () -> OPEN_UPSTREAMS.get() == 0);
        assertMemoryBounded();
    }

    @Test
    void settingsFloodLeavesOthersServed() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            attacker.burst(FLOOD, i -> attacker.writeSettings());
            echoes(good, "during a SETTINGS flood");
            Await.until("flood answered or cut off", FLOOD_WAIT,
                    () -> attacker.settingsAcks.get() >= FLOOD || !attacker.channel.isActive());
            if (!attacker.channel.isActive()) {
                // Netty's limit on queued control frames (10,000) cut the flood off: with a reason, and counted.
                assertThat(attacker.goAwayError.get()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
                assertThat(protocolErrors("goaway", Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(1);
            }
        }
        assertMemoryBounded();
    }

    @Test
    void pingFloodLeavesOthersServed() throws IOException {
        try (Socket good = goodTunnel(); RawH2Client attacker = validClient()) {
            attacker.burst(FLOOD, attacker::writePing);
            echoes(good, "during a PING flood");
            Await.until("flood answered or cut off", FLOOD_WAIT,
                    () -> attacker.pingAcks.get() >= FLOOD || !attacker.channel.isActive());
            if (!attacker.channel.isActive()) {
                // Netty's limit on queued control frames (10,000) cut the flood off: with a reason, and counted.
                assertThat(attacker.goAwayError.get()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
                assertThat(protocolErrors("goaway", Http2Error.ENHANCE_YOUR_CALM)).isEqualTo(1);
            }
        }
        assertMemoryBounded();
    }

    // ---- helpers ----

    private RawH2Client validClient() {
        SslContext tls = TlsContexts.client(ca.issue(SpiffeId.of(TunnelFixture.TRUST_DOMAIN, "front", "attacker"),
                Duration.ofHours(1)), Clock.systemUTC());
        RawH2Client c = RawH2Client.connect(attackerGroup, transport, tls, fixture.hboneAddress);
        c.handshake.join();
        c.preface();
        return c;
    }

    /** A plain TCP client through the entry listener, tunnelled over HBONE to the echo app. */
    private Socket goodTunnel() throws IOException {
        Socket s = new Socket(entry.getAddress(), entry.getPort());
        s.setSoTimeout((int) WAIT.toMillis());
        echoes(s, "before the attack");
        return s;
    }

    private static void echoes(Socket s, String when) throws IOException {
        byte[] message = ("hello " + when).getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(message);
        byte[] back = s.getInputStream().readNBytes(message.length);
        assertThat(new String(back, StandardCharsets.UTF_8)).as("good tunnel echoes " + when)
                .isEqualTo(new String(message, StandardCharsets.UTF_8));
    }

    /** Reads and discards until EOF or a reset: true when the peer closed (the read timeout throws instead). */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            while (in.read(new byte[4096]) >= 0) {
                // server alerts or nothing; keep reading until it closes
            }
            return true;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    private double serverCount(String name) {
        Counter c = fixture.registry.find(name).tag("side", "server").counter();
        return c == null ? 0 : c.count();
    }

    private double rejected(String status) {
        Counter c = fixture.registry.find("trellis.hbone.streams.rejected").tag("side", "server").tag("status", status)
                .counter();
        return c == null ? 0 : c.count();
    }

    private double protocolErrors() {
        return fixture.registry.find("trellis.hbone.protocol.errors").tag("side", "server").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private double protocolErrors(String frame, Http2Error error) {
        Counter c = fixture.registry.find("trellis.hbone.protocol.errors").tag("side", "server").tag("frame", frame)
                .tag("error", error.name()).counter();
        return c == null ? 0 : c.count();
    }

    private static long usedDirectMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private void assertMemoryBounded() {
        assertThat(usedDirectMemory() - memoryBefore).as("direct memory grown by the attack").isLessThan(MEMORY_BOUND);
    }

    /** Echo that counts its open connections, to show attacks do not leave upstream connections behind. */
    private static final class CountingEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            OPEN_UPSTREAMS.incrementAndGet();
            ctx.channel().closeFuture().addListener(f -> OPEN_UPSTREAMS.decrementAndGet());
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
