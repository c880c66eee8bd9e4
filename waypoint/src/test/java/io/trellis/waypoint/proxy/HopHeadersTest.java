package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.trellis.waypoint.route.Headers;
import java.util.List;
import org.junit.jupiter.api.Test;

class HopHeadersTest {

    @Test
    void stripDropsHopByHopConnectionListedAndConversionHeadersInAnyCase() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Connection", "keep-alive, X-Hop");
        h.add("Keep-Alive", "timeout=5");
        h.add("X-Hop", "1");
        h.add("Transfer-Encoding", "chunked");
        h.add("Proxy-Authorization", "secret");
        h.add(AsciiString.of("x-http2-stream-id"), "3");
        h.add("X-HTTP2-Scheme", "http");
        h.add("TE", "trailers, deflate");
        h.add("Accept", "text/plain");
        h.add("x-http2ish", "kept: not the conversion prefix");

        HopHeaders.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("Accept", "x-http2ish", "te");
        assertThat(h.get("te")).isEqualTo("trailers");
    }

    @Test
    void stripRemovesTeWithoutTrailersAndLeavesPlainHeadersAlone() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("te", "gzip");
        h.add("a", "1");
        h.add("a", "2");

        HopHeaders.strip(h);

        assertThat(h.contains("te")).isFalse();
        assertThat(h.getAll("a")).containsExactly("1", "2");
    }

    @Test
    void routeHeadersAreLowerCaseInOrderWithoutHostOrConversionHeaders() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add(AsciiString.of("Host"), "reviews:9080");
        h.add("X-User", "Jason");
        h.add(AsciiString.of("X-Env"), "canary");
        h.add("x-user", "second");
        h.add(AsciiString.of("x-http2-stream-id"), "3");
        h.add("content-type", "application/json");

        Headers route = HopHeaders.toRouteHeaders(h);

        assertThat(route.size()).isEqualTo(4);
        assertThat(List.of(route.name(0), route.name(1), route.name(2), route.name(3)))
                .containsExactly("x-user", "x-env", "x-user", "content-type");
        assertThat(route.getAll("x-user")).containsExactly("Jason", "second");
        assertThat(route.get("x-env")).isEqualTo("canary");
        assertThat(route.get("host")).isNull();
        assertThat(route.get("x-http2-stream-id")).isNull();
    }
}
