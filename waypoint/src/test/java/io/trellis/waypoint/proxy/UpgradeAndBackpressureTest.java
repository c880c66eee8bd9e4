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
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** WebSocket-style upgrades become a raw relay after the 101; a client that stops reading stops the backend. */
class UpgradeAndBackpressureTest {

    static final long BIG = 256L << 20;

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static ServerSocket upgradeServer;
    static final AtomicLong written = new AtomicLong();

    @BeforeAll
    static void setUp() throws IOException {
        fx = new WaypointFixture();
        upgradeServer = new ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("upgrade-backend").start(UpgradeAndBackpressureTest::serveUpgrades);
        InetSocketAddress big = fx.backend(ex -> {
            ex.sendResponseHeaders(200, BIG);
            byte[] piece = new byte[64 * 1024];
            try (OutputStream out = ex.getResponseBody()) {
                for (long sent = 0; sent < BIG; sent += piece.length) {
                    out.write(piece);
                    written.addAndGet(piece.length);
                }
            } catch (IOException clientGone) {
                // the test closes the client before reading everything
            }
        });
        String routes = """
                {"name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                  {"name": "ws", "match": {"prefix": "/ws"}, "route": {"cluster": "ws"}},
                  {"name": "big", "match": {"prefix": "/big"}, "route": {"cluster": "big", "timeout": "0s"}}]}]}""";
        fx.apply(config(List.of(service("chat.back.svc.cluster.local", HTTP_VIP, "http", "r")), List.of(routes),
                List.of(edsCluster("ws", ""), edsCluster("big", "")),
                List.of(endpoints("ws", (InetSocketAddress) upgradeServer.getLocalSocketAddress()), endpoints("big", big)),
                List.of("ws", "big")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() throws IOException {
        upgradeServer.close();
        fx.close();
    }

    /** Answers an upgrade request with 101, then echoes raw bytes until the client's FIN. */
    static void serveUpgrades() {
        while (!upgradeServer.isClosed()) {
            try (Socket s = upgradeServer.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    head.append((char) c);
                }
                boolean upgrade = head.toString().toLowerCase(java.util.Locale.ROOT).contains("upgrade: websocket");
                OutputStream out = s.getOutputStream();
                if (!upgrade) {
                    out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    continue;
                }
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[8192];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                s.shutdownOutput();
            } catch (IOException e) {
                // next connection
            }
        }
    }

    /**
     * Repeated: the request's end once raced the 101 onto the upstream tunnel after its codec was gone
     * and reset it (about one run in six); see {@code UpgradedTunnelGuard}.
     */
    @RepeatedTest(20)
    void upgradeIsPassedThroughAsARawRelayAfter101() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            c.send("GET /ws/chat HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", new byte[0]);
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualTo("websocket");
            assertThat(r.header("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            byte[] frame = {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o', 0x00, (byte) 0xff, '\r', '\n'};
            for (int i = 0; i < 3; i++) {
                c.sendRaw(frame);
                assertThat(c.input().readNBytes(frame.length)).isEqualTo(frame);
            }
            c.socket.shutdownOutput();
            assertThat(c.input().read()).as("the backend's FIN comes back through both tunnels").isEqualTo(-1);
        }
        Await.until("access log of the upgrade", Duration.ofSeconds(10),
                () -> fx.accessLog.stream().anyMatch(l -> l.contains("\"path\":\"/ws/chat\"") && l.contains("\"response_code\":101")));
    }

    @Test
    void aClientThatStopsReadingStopsTheBackendInsteadOfGrowingBuffers() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            c.send("GET /big HTTP/1.1\r\nHost: big\r\n\r\n", new byte[0]);
            long stalledAt = awaitStall();
            // Everything in flight is socket buffers and flow-control windows on four hops: a few MiB,
            // nowhere near the 256 MiB the backend wants to send.
            assertThat(stalledAt).isLessThan(64L << 20);
            RawHttp.Response head = readHead(c);
            assertThat(head.status()).isEqualTo(200);
            byte[] drained = c.input().readNBytes(16 << 20);
            assertThat(drained).hasSize(16 << 20);
            Await.until("backend resumes once the client reads", Duration.ofSeconds(10), () -> written.get() > stalledAt);
        }
    }

    private static RawHttp.Response readHead(RawHttp c) throws IOException {
        StringBuilder head = new StringBuilder();
        InputStream in = c.input();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        int status = Integer.parseInt(head.substring(9, 12));
        return new RawHttp.Response(status, java.util.Map.of(), new byte[0], java.util.Map.of());
    }

    /** Waits until the backend's written count has not moved for 200 ms of polling. */
    private static long awaitStall() {
        long[] last = {-1};
        int[] still = {0};
        Await.until("backend writes stall behind the slow client", Duration.ofSeconds(30), () -> {
            long now = written.get();
            if (now > 0 && now == last[0]) {
                still[0]++;
            } else {
                still[0] = 0;
            }
            last[0] = now;
            return still[0] >= 40;
        });
        return last[0];
    }
}
