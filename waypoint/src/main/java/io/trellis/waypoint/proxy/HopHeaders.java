package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Headers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header rules a proxy applies between hops: connection-specific headers (RFC 9110 section 7.6.1)
 * belong to one hop and are dropped; Netty's HTTP/2 conversion headers ({@code x-http2-*}) never
 * leave the process; {@code te: trailers} survives because gRPC requires it.
 */
final class HopHeaders {

    // An array, not a List: iterating a List.of allocates an iterator on every request.
    private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
        AsciiString.cached("proxy-connection"), HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION};
    private static final AsciiString INTERNAL_PREFIX = AsciiString.cached("x-http2-");

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
        // The names as Netty holds them (no String entry per header, as the String iterator makes).
        List<CharSequence> internal = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isInternal(name)) {
                if (internal == null) {
                    internal = new ArrayList<>(2);
                }
                internal.add(name);
            }
        }
        if (internal != null) {
            internal.forEach(headers::remove);
        }
    }

    private static boolean isInternal(CharSequence name) {
        return AsciiString.regionMatches(name, true, 0, INTERNAL_PREFIX, 0, INTERNAL_PREFIX.length());
    }

    /** The request's headers as the route table sees them (lower-case names, no Host, no hop headers). */
    static Headers toRouteHeaders(HttpHeaders headers) {
        Headers.Builder b = Headers.builder();
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name) || isInternal(name)) {
                continue;
            }
            // AsciiString.toLowerCase returns itself when already lower-case, and the decoder's well-known
            // names are shared constants whose String form is cached.
            String lower = name instanceof AsciiString a ? a.toLowerCase().toString()
                    : name.toString().toLowerCase(Locale.ROOT);
            b.add(lower, e.getValue().toString());
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
