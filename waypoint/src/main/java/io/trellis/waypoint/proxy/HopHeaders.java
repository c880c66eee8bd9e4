package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header rules a proxy applies between hops: connection-specific headers (RFC 9110 section 7.6.1)
 * belong to one hop and are dropped; Netty's HTTP/2 conversion headers ({@code x-http2-*}) never
 * leave the process; {@code te: trailers} survives because gRPC requires it.
 */
final class HopHeaders {

    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"), HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION);

    private HopHeaders() {}

    /** Removes hop-by-hop and conversion headers in place; keeps {@code te} only as {@code trailers}. */
    static void strip(HttpHeaders headers) {
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String token : connection.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !name.equals("close") && !name.equals("keep-alive") && !name.equals("upgrade")) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
        String te = headers.get(HttpHeaderNames.TE);
        if (te != null && !te.toLowerCase(Locale.ROOT).contains("trailers")) {
            headers.remove(HttpHeaderNames.TE);
        } else if (te != null) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        List<String> internal = new ArrayList<>(0);
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().regionMatches(true, 0, "x-http2-", 0, 8)) {
                internal.add(e.getKey());
            }
        }
        internal.forEach(headers::remove);
    }

    /** The request's headers as the route table sees them (lower-case names, no Host, no hop headers). */
    static Headers toRouteHeaders(HttpHeaders headers) {
        Headers.Builder b = Headers.builder();
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("host") || name.startsWith("x-http2-")) {
                continue;
            }
            b.add(name, e.getValue());
        }
        return b.build();
    }

    /** Replaces {@code target}'s headers with {@code headers} (route-table form). */
    static void fill(HttpHeaders target, Headers headers) {
        for (int i = 0; i < headers.size(); i++) {
            target.add(headers.name(i), headers.value(i));
        }
    }

    /** Applies a route's header modifier to Netty headers. */
    static void apply(HeaderModifier modifier, HttpHeaders headers) {
        if (modifier.isEmpty()) {
            return;
        }
        for (String name : modifier.remove()) {
            headers.remove(name);
        }
        for (HeaderModifier.Header h : modifier.set()) {
            headers.set(h.name(), h.value());
        }
        for (HeaderModifier.Header h : modifier.add()) {
            headers.add(h.name(), h.value());
        }
    }
}
