package io.trellis.waypoint.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.core.telemetry.IsoMillis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {

    /** A gRPC request with every field set, and quotes, backslashes, control and non-ASCII characters to escape. */
    static RequestRecord full() {
        var source = new RequestRecord.Peer("spiffe://cluster.local/ns/shop/sa/web", "shop", "web-7d9f", "10.1.0.7:51234");
        var workload = new RequestRecord.Workload("cart-5c6b", "shop", "cart", "v2");
        return new RequestRecord(1795671613123L, 12_345_678L, "POST", "/cart/items?id=\"7\"&q=a\\b", "cart.shop.svc:8080",
                "grpc", "HTTP/2", 200, "-", 0, "via_upstream", 1024, 2048, 2, source, "cart.shop.svc.cluster.local", "shop",
                workload, "spiffe://cluster.local/ns/shop/sa/cart", "10.1.1.9:8080",
                "outbound|8080||cart.shop.svc.cluster.local", "default",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "req-1\t2\n\u0001", "curl/8.5 caf\u00e9 \u2603");
    }

    /** A failed HTTP/1.1 request: nulls, no gRPC status, a start on a whole second. */
    static RequestRecord sparse() {
        return new RequestRecord(1795671613000L, 999_999L, "GET", "/", "a", "http", "HTTP/1.1", 0, "UF,URX", null,
                "upstream_reset", 0, 0, 0, new RequestRecord.Peer(null, "ns", "unknown", "[::1]:5"), "svc", "ns",
                RequestRecord.Workload.UNKNOWN, null, null, null, null, null, null, null);
    }

    /** The lines the previous formatter (Instant.toString, String.format escapes) printed for the records above. */
    static List<String> linesBefore() throws IOException {
        try (InputStream in = AccessLogFormatTest.class.getResourceAsStream("access-log-before.jsonl")) {
            assertThat(in).as("golden file").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void linesAreByteIdenticalToThePreviousFormatter() throws IOException {
        List<String> before = linesBefore();
        assertThat(before).hasSize(2);
        assertThat(AccessLog.format(full()).getBytes(StandardCharsets.UTF_8))
                .isEqualTo(before.get(0).getBytes(StandardCharsets.UTF_8));
        assertThat(AccessLog.format(sparse()).getBytes(StandardCharsets.UTF_8))
                .isEqualTo(before.get(1).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReusedBuilderAndClockProduceTheSameLines() throws IOException {
        List<String> before = linesBefore();
        StringBuilder b = new StringBuilder();
        IsoMillis clock = new IsoMillis();
        for (int i = 0; i < 3; i++) {
            b.setLength(0);
            AccessLog.appendTo(b, full(), clock);
            assertThat(b.toString()).isEqualTo(before.get(0));
            b.setLength(0);
            AccessLog.appendTo(b, sparse(), clock);
            assertThat(b.toString()).isEqualTo(before.get(1));
        }
    }

    @Test
    void everyControlCharacterIsEscapedAsBefore() {
        StringBuilder expected = new StringBuilder();
        StringBuilder agent = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            agent.append(c);
            expected.append(switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> String.format("\\u%04x", (int) c);
            });
        }
        RequestRecord r = sparse();
        RequestRecord withAgent = new RequestRecord(r.startEpochMillis(), r.durationNanos(), r.method(), r.path(),
                r.authority(), r.requestProtocol(), r.downstreamProtocol(), r.status(), r.flags(), r.grpcStatus(),
                r.detail(), r.requestBytes(), r.responseBytes(), r.attempts(), r.source(), r.destinationService(),
                r.destinationNamespace(), r.destinationWorkload(), r.destinationPrincipal(), r.upstreamHost(),
                r.upstreamCluster(), r.route(), r.traceparent(), r.requestId(), agent.toString());
        assertThat(AccessLog.format(withAgent)).endsWith("\"user_agent\":\"" + expected + "\"}");
    }
}
