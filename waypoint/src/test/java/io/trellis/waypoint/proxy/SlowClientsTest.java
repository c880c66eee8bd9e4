package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slowloris on the waypoint: a client that sends its request head too slowly is answered 408 (or
 * GOAWAY on HTTP/2) and closed, counted and logged, while other clients are served. Time is the
 * fixture's fake clock, moved by the test; the sweep that expires deadlines is run by hand.
 */
class SlowClientsTest {

    static final Duration TIMEOUT = ProxySettings.DEFAULT_HEADER_READ_TIMEOUT;
    static final long PAST_DEADLINE = TIMEOUT.toNanos() + 1_000_000_000L;

    static WaypointFixture fx;
    static InetSocketAddress entry;

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress backend = fx.backend(ex -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        entry = routeAllTo(fx, backend);
    }

    /** Binds the HTTP VIP with one catch-all route to {@code backend}; returns the client entry. */
    static InetSocketAddress routeAllTo(WaypointFixture f, InetSocketAddress backend) {
        String routes = """
                {"name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                  {"name": "all", "match": {"prefix": "/"}, "route": {"cluster": "b"}}]}]}""";
        f.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "r")), List.of(routes),
                List.of(edsCluster("b", "")), List.of(endpoints("b", backend)), List.of("b")), List.of());
        return f.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    static double timeouts(String protocol) {
        var c = fx.registry.find(HeaderDeadlines.TIMEOUTS_METRIC).tag("protocol", protocol).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * Once {@code pending} clients are known to be mid-head (their first byte armed a deadline), moves
     * the fake clock past those deadlines and sweeps until {@code protocol} counted {@code n} more.
     */
    static void expireUntil(String protocol, double n, int pending) {
        Await.until(pending + " request heads pending", Duration.ofSeconds(60),
                () -> fx.waypoint.pendingRequestHeads() >= pending);
        double before = timeouts(protocol);
        Await.until(n + " header timeouts (" + protocol + ")", Duration.ofSeconds(30), () -> {
            fx.nanos.addAndGet(PAST_DEADLINE);
            fx.waypoint.sweepHeaderDeadlines();
            return timeouts(protocol) >= before + n;
        });
    }

    /** Reads the status line and headers, or null if the connection ended first. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c;
            try {
                c = in.read();
            } catch (SocketException reset) {
                return null;
            }
            if (c < 0) {
                return null;
            }
            head.append((char) c);
        }
        return head.toString();
    }

    @Test
    void aByteAtATimeClientIsAnswered408AndClosedNoMatterHowSteadilyItTrickles() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            byte[] head = "GET /slow HTTP/1.1\r\nHost: reviews\r\nX-Pad: aaaaaaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII);
            c.sendRaw(new byte[] {head[0]});
            Await.until("the first byte started the clock", Duration.ofSeconds(30),
                    () -> fx.waypoint.pendingRequestHeads() >= 1);
            double before = timeouts("HTTP/1.1");
            for (int i = 1; i < 19; i++) {
                c.sendRaw(new byte[] {head[i]});
                // a byte every half second: each is progress, none moves the deadline
                fx.nanos.addAndGet(TIMEOUT.toNanos() / 20);
                fx.waypoint.sweepHeaderDeadlines();
            }
            assertThat(timeouts("HTTP/1.1")).as("9 s into a 10 s deadline").isEqualTo(before);
            expireUntil("HTTP/1.1", 1, 1);
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.text()).contains("request header read timeout");
            assertThat(c.input().read()).as("closed after the 408").isEqualTo(-1);
        }
        String line = Await.value("access log of the timeout", Duration.ofSeconds(10),
                () -> fx.accessLog.stream().filter(l -> l.contains("\"response_flags\":\"RHT\"")).findFirst().orElse(null),
                l -> l != null);
        assertThat(line).contains("\"response_code\":408", "\"response_code_details\":\"request_header_timeout\"",
                "\"protocol\":\"HTTP/1.1\"", "\"destination_service\":\"reviews.back.svc.cluster.local\"",
                "\"source_workload\":\"web\"");
        assertThat(fx.registry.scrape()).contains("response_flags=\"RHT\"");
    }

    @Test
    void keepAliveWaitsAreIdleTimeNotHeaderTimeButEachNextHeadIsTimed() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            assertThat(c.get("/first").status()).isEqualTo(200);
            double before = timeouts("HTTP/1.1");
            for (int i = 0; i < 3; i++) { // far past the header timeout with nothing sent: not a slow head
                fx.nanos.addAndGet(PAST_DEADLINE);
                fx.waypoint.sweepHeaderDeadlines();
            }
            assertThat(c.get("/second").status()).as("the idle keep-alive connection still serves").isEqualTo(200);
            assertThat(timeouts("HTTP/1.1")).isEqualTo(before);

            c.sendRaw("GET /third HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            expireUntil("HTTP/1.1", 1, 1);
            assertThat(c.read(false).status()).isEqualTo(408);
        }
    }

    @Test
    void fiveHundredSlowClientsLeaveOtherClientsServedAndAreAllClosed() throws Exception {
        int slow = 500;
        int openBefore = fx.waypoint.downstreamConnections();
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < slow; i++) {
                RawHttp c = new RawHttp(entry);
                clients.add(c);
                c.sendRaw(("GET /slow/" + i + " HTTP/1.1\r\nHost: rev").getBytes(StandardCharsets.US_ASCII));
            }
            Await.until("500 slow clients mid-head", Duration.ofSeconds(60),
                    () -> fx.waypoint.pendingRequestHeads() >= slow);
            for (int i = 0; i < 20; i++) {
                try (RawHttp other = new RawHttp(entry)) {
                    RawHttp.Response r = other.get("/meanwhile/" + i);
                    assertThat(r.status()).as("a well-behaved client while 500 slow ones hang on").isEqualTo(200);
                    assertThat(r.text()).isEqualTo("ok");
                }
            }
            expireUntil("HTTP/1.1", slow, slow);
            for (RawHttp c : clients) {
                String head = readHead(c.input());
                assertThat(head).as("each slow client is told why").startsWith("HTTP/1.1 408 ");
            }
            Await.until("slow tunnels released", Duration.ofSeconds(30),
                    () -> fx.waypoint.downstreamConnections() <= openBefore);
        } finally {
            for (RawHttp c : clients) {
                c.close();
            }
        }
        try (RawHttp after = new RawHttp(entry)) {
            assertThat(after.get("/after").status()).isEqualTo(200);
        }
    }

    @Test
    void anHttp2HeaderBlockThatNeverEndsGetsAGoawayAndTheTunnelIsClosed() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            sendPrefaceAndSettings(c);
            OutputStream out = c.socket.getOutputStream();
            // HEADERS on stream 1 announcing 64 bytes of header block, without END_HEADERS; 5 bytes sent.
            out.write(new byte[] {0, 0, 64, 0x1, 0x1, 0, 0, 0, 1, (byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, 0x0a});
            out.flush();
            expireUntil("HTTP/2", 1, 1);
            assertThat(goawayErrorBeforeClose(c.input())).as("the server said why before closing: ENHANCE_YOUR_CALM")
                    .isEqualTo(0xb);
        }
    }

    static void sendPrefaceAndSettings(RawHttp c) throws IOException {
        OutputStream out = c.socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0}); // empty SETTINGS
        out.flush();
    }

    /** Reads HTTP/2 frames until the connection ends; the error code of the GOAWAY seen, or -1 if none. */
    static int goawayErrorBeforeClose(InputStream in) throws IOException {
        int goaway = -1;
        byte[] frameHeader = new byte[9];
        for (;;) {
            int n;
            try {
                n = in.readNBytes(frameHeader, 0, 9);
            } catch (SocketException reset) {
                return goaway;
            }
            if (n < 9) {
                return goaway;
            }
            int length = ((frameHeader[0] & 0xff) << 16) | ((frameHeader[1] & 0xff) << 8) | (frameHeader[2] & 0xff);
            byte[] payload = in.readNBytes(length);
            if (frameHeader[3] == 0x7 && payload.length >= 8) {
                goaway = ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
                        | (payload[7] & 0xff);
            }
        }
    }

    @Test
    void idleConnectionsAreClosedHttp2OnlyWithoutOpenStreams() throws Exception {
        try (WaypointFixture idle = new WaypointFixture(s -> s.withIdleTimeout(Duration.ofMillis(300)))) {
            InetSocketAddress in = routeAllTo(idle, idle.backend(ex -> {
                ex.sendResponseHeaders(204, -1);
                ex.close();
            }));
            try (RawHttp h2 = new RawHttp(in)) {
                sendPrefaceAndSettings(h2);
                assertThat(goawayErrorBeforeClose(h2.input())).as("GOAWAY NO_ERROR, then close").isEqualTo(0);
            }
            try (RawHttp h1 = new RawHttp(in)) {
                assertThat(h1.get("/once").status()).isEqualTo(204);
                int next;
                try {
                    next = h1.input().read();
                } catch (SocketException reset) {
                    next = -1;
                }
                assertThat(next).as("an idle keep-alive connection is closed").isEqualTo(-1);
            }
        }
    }

    @Test
    void aTunnelThatNeverSendsAnythingIsClosedSilently() throws Exception {
        double before = timeouts("none");
        int open = fx.waypoint.downstreamConnections();
        try (RawHttp c = new RawHttp(entry)) {
            Await.until("the tunnel is open", Duration.ofSeconds(30), () -> fx.waypoint.downstreamConnections() > open);
            assertThat(fx.waypoint.pendingRequestHeads()).as("an open tunnel is not a slow request").isZero();
            Await.until("closed after the idle timeout", Duration.ofSeconds(30), () -> {
                fx.nanos.addAndGet(fx.waypoint.settings().idleTimeout().toNanos());
                fx.waypoint.sweepHeaderDeadlines();
                return timeouts("none") >= before + 1;
            });
            int first;
            try {
                first = c.input().read();
            } catch (SocketException reset) {
                first = -1;
            }
            assertThat(first).as("no 408 for a request never begun, just the close").isEqualTo(-1);
        }
        assertThat(timeouts("none")).isEqualTo(before + 1);
    }

    @Test
    void pastItsConnectionLimitTheWaypointRefusesNewTunnelsAndCountsThem() throws Exception {
        try (WaypointFixture small = new WaypointFixture(s -> s.withMaxDownstreamConnections(3))) {
            InetSocketAddress backend = small.backend(ex -> {
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            InetSocketAddress in = routeAllTo(small, backend);
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawHttp c = new RawHttp(in);
                    held.add(c);
                    c.sendRaw("GET /held HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
                }
                Await.until("three tunnels held", Duration.ofSeconds(30), () -> small.waypoint.downstreamConnections() == 3);
                try (RawHttp refused = new RawHttp(in)) {
                    refused.sendRaw("GET /x HTTP/1.1\r\nHost: reviews\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(readHead(refused.input())).as("refused: the tunnel is never opened").isNull();
                }
                var refusedCount = small.registry.find(DownstreamLimit.REFUSED_METRIC).counter();
                assertThat(refusedCount).isNotNull();
                assertThat(refusedCount.count()).isEqualTo(1.0);
                assertThat(small.registry.scrape()).contains(DownstreamLimit.OPEN_METRIC + " 3.0");

                held.removeFirst().close();
                Await.until("a slot is free again", Duration.ofSeconds(30), () -> small.waypoint.downstreamConnections() == 2);
                try (RawHttp next = new RawHttp(in)) {
                    assertThat(next.get("/next").status()).isEqualTo(204);
                }
            } finally {
                for (RawHttp c : held) {
                    c.close();
                }
            }
        }
    }
}
