package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 through client -> HBONE -> waypoint -> HBONE -> backend: keep-alive, chunked, large bodies, telemetry. */
class Http1PathTest {

    static WaypointFixture fx;
    static InetSocketAddress entry;

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress backend = fx.backend(Http1PathTest::echo);
        String routes = """
                {"name": "reviews", "virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [
                  {"name": "all", "match": {"prefix": "/"}, "route": {"cluster": "v1"},
                   "response_headers_to_add": [{"header": {"key": "x-waypoint", "value": "yes"}}]}]}]}""";
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "reviews")), List.of(routes),
                List.of(edsCluster("v1", "")), List.of(endpoints("v1", backend)), List.of("v1")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    /** Answers with what it saw: method, path, selected headers, body digest; echoes the body back. */
    static void echo(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String info = ex.getRequestMethod() + " " + ex.getRequestURI() + " traceparent=" + ex.getRequestHeaders().getFirst("traceparent")
                + " host=" + ex.getRequestHeaders().getFirst("host") + " len=" + body.length + " sha=" + sha(body);
        ex.getResponseHeaders().add("x-info", info);
        boolean chunked = ex.getRequestURI().getPath().startsWith("/chunked");
        ex.sendResponseHeaders(200, chunked ? 0 : (body.length == 0 ? -1 : body.length));
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keepAliveChunkedAndLargeBodiesOnOneConnection() throws Exception {
        byte[] big = new byte[1 << 20];
        new Random(7).nextBytes(big);
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response get = c.get("/hello?x=1");
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.header("x-info")).startsWith("GET /hello?x=1 traceparent=null host=reviews len=0");
            assertThat(get.header("x-waypoint")).isEqualTo("yes");

            c.send("POST /upload HTTP/1.1\r\nHost: reviews\r\ntraceparent: " + WaypointFixture.TRACEPARENT
                    + "\r\nContent-Length: " + big.length + "\r\n\r\n", big);
            RawHttp.Response post = c.read(false);
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.body()).isEqualTo(big);
            assertThat(post.header("x-info")).contains("traceparent=" + WaypointFixture.TRACEPARENT)
                    .contains("len=1048576 sha=" + sha(big));

            byte[] part = "hello chunked world".getBytes(StandardCharsets.US_ASCII);
            String chunkedBody = Integer.toHexString(part.length) + "\r\n" + new String(part, StandardCharsets.US_ASCII)
                    + "\r\n0\r\n\r\n";
            c.send("POST /chunked HTTP/1.1\r\nHost: reviews\r\nTransfer-Encoding: chunked\r\n\r\n",
                    chunkedBody.getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response chunked = c.read(false);
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(chunked.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(chunked.text()).isEqualTo("hello chunked world");
            assertThat(chunked.header("x-info")).contains("len=19");
        }
        io.trellis.testkit.Await.until("three access-log lines", java.time.Duration.ofSeconds(10),
                () -> fx.accessLog.size() >= 3);
        String line = fx.accessLog.stream().filter(l -> l.contains("\"path\":\"/upload\"")).findFirst().orElseThrow();
        assertThat(line).contains("\"method\":\"POST\"", "\"response_code\":200", "\"response_flags\":\"-\"",
                "\"bytes_received\":1048576", "\"bytes_sent\":1048576", "\"upstream_cluster\":\"v1\"",
                "\"route_name\":\"all\"", "\"downstream_peer_principal\":\"spiffe://cluster.local/ns/front/sa/web\"",
                "\"source_workload\":\"web\"", "\"destination_service\":\"reviews.back.svc.cluster.local\"",
                "\"upstream_peer_principal\":\"spiffe://cluster.local/ns/back/sa/reviews\"",
                "\"traceparent\":\"" + WaypointFixture.TRACEPARENT + "\"", "\"protocol\":\"HTTP/1.1\"");
        String scrape = fx.registry.scrape();
        assertThat(scrape).contains("istio_requests_total{")
                .contains("istio_request_duration_milliseconds_bucket{")
                .contains("istio_request_bytes_bucket{")
                .contains("istio_response_bytes_bucket{");
        String requests = scrape.lines().filter(l -> l.startsWith("istio_requests_total{")
                && l.contains("response_code=\"200\"")).findFirst().orElseThrow();
        assertThat(requests).contains("reporter=\"waypoint\"", "source_workload=\"web\"",
                "source_workload_namespace=\"front\"", "source_principal=\"spiffe://cluster.local/ns/front/sa/web\"",
                "destination_service=\"reviews.back.svc.cluster.local\"", "destination_service_name=\"reviews\"",
                "destination_principal=\"spiffe://cluster.local/ns/back/sa/reviews\"", "request_protocol=\"http\"",
                "response_flags=\"-\"");
        assertThat(requests).endsWith(" 3.0");
    }

    @Test
    void keepAliveUpstreamTunnelsAreReused() throws Exception {
        int before = fx.nodeProxyRequests.size();
        try (RawHttp c = new RawHttp(entry)) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.get("/reuse/" + i).header("x-info")).startsWith("GET /reuse/" + i + " ");
            }
        }
        assertThat(fx.nodeProxyRequests.size() - before)
                .as("20 sequential requests share idle HTTP/1.1 tunnels instead of 20 HBONE CONNECTs")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void malformedRequestsGetA400AndAClosedConnection() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            c.sendRaw("GET /x HTTP/1.1\r\nHost: reviews\r\nContent-Length: banana\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.input().read()).isEqualTo(-1);
        }
        try (RawHttp c = new RawHttp(entry)) {
            assertThat(c.get("/still-fine").status()).as("the waypoint keeps serving").isEqualTo(200);
        }
    }

    @Test
    void connectionToAnUnboundVipIsRefusedWithAReason() throws Exception {
        InetSocketAddress other = fx.entry(new InetSocketAddress("10.96.9.9", 80));
        try (java.net.Socket s = new java.net.Socket(other.getAddress(), other.getPort())) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).as("tunnel refused, connection closed").isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            // a reset is an equally clear refusal
        }
        assertThat(fx.nodeProxyRequests).noneMatch(r -> r.target().getPort() == 80);
    }
}
