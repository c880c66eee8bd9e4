package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 clients that half-close (send a FIN after their request). Trellis answers a request
 * that was complete before the FIN, then closes; Envoy by default treats the FIN as an abort.
 * The choice: RFC 9112 lets a client close its sending side after the request ({@code nc -N},
 * scripted clients do), and since the request is whole, answering loses nothing and aborting
 * would fail a correct client. A FIN before the request is complete is an abort: the truncated
 * body is never passed upstream as a whole request, and the log says the client went away.
 */
class HalfCloseTest {

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static final AtomicInteger completeBodies = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress backend = fx.backend(ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            completeBodies.incrementAndGet();
            ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        String routes = """
                {"name": "reviews", "virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [
                  {"name": "all", "match": {"prefix": "/"}, "route": {"cluster": "v1", "timeout": "20s"}}]}]}""";
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "reviews")), List.of(routes),
                List.of(edsCluster("v1", "")), List.of(endpoints("v1", backend)), List.of("v1")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    static String lastLogFor(String path) {
        return Await.value("access log line for " + path, Duration.ofSeconds(10),
                () -> fx.accessLog.stream().filter(l -> l.contains("\"path\":\"" + path + "\"")).reduce((a, b) -> b)
                        .orElse(null), v -> v != null);
    }

    @Test
    void aCompleteRequestFollowedByFinStillGetsItsResponse() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            c.send("POST /whole HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\n\r\n",
                    "hello".getBytes(StandardCharsets.US_ASCII));
            c.socket.shutdownOutput();
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello");
            assertThat(c.input().read()).as("the waypoint closes once the response is out").isEqualTo(-1);
        }
        assertThat(lastLogFor("/whole")).contains("\"response_code\":200", "\"response_flags\":\"-\"");
    }

    @Test
    void aFinInsideTheBodyAbortsTheRequest() throws Exception {
        int before = completeBodies.get();
        try (RawHttp c = new RawHttp(entry)) {
            c.send("POST /truncated HTTP/1.1\r\nHost: reviews\r\nContent-Length: 100\r\n\r\n",
                    "only ten b".getBytes(StandardCharsets.US_ASCII));
            c.socket.shutdownOutput();
            assertThat(c.input().readAllBytes()).as("closed without a response, not held until a timeout").isEmpty();
        }
        assertThat(lastLogFor("/truncated")).contains("\"response_code\":0", "\"response_flags\":\"DC\"",
                "downstream_remote_disconnect", "\"bytes_received\":10");
        assertThat(completeBodies.get()).as("the backend never saw a whole request").isEqualTo(before);
    }
}
