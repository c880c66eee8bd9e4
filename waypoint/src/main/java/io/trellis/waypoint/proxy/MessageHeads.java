package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Request;
import org.jspecify.annotations.Nullable;

/**
 * Builds the message heads that cross the waypoint: the upstream request from the planned
 * request, and the downstream response with framing that fits the client's protocol (HTTP/1.1
 * needs a length or chunking and a keep-alive decision; HTTP/2 frames itself).
 */
final class MessageHeads {

    private MessageHeads() {}

    /** The request head sent upstream for {@code r} (the planned request) of the client's {@code head}. */
    static HttpRequest upstream(HttpRequest head, Request r, ServiceBinding service, boolean bodyExpected) {
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(), r.pathAndQuery());
        HttpHeaders h = out.headers();
        HopHeaders.fill(h, r.headers());
        HopHeaders.strip(h);
        h.set(HttpHeaderNames.HOST, r.authority());
        if (isUpgrade(head) && !service.protocol().isHttp2()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, head.headers().get(HttpHeaderNames.UPGRADE));
        }
        if (!service.protocol().isHttp2() && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && bodyExpected) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return out;
    }

    /** RFC 9110 section 6.4.1: no body for HEAD, 1xx, 204 and 304. */
    private static boolean mayHaveBody(HttpResponse r, HttpRequest head) {
        int code = r.status().code();
        return !head.method().name().equals("HEAD") && code >= 200 && code != 204 && code != 304;
    }

    static boolean isUpgrade(HttpRequest r) {
        return r.headers().contains(HttpHeaderNames.UPGRADE)
                && r.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** The response head sent to the client: hop headers dropped, route modifiers applied, framing for its protocol. */
    static HttpResponse downstream(HttpResponse r, HttpRequest head, @Nullable HeaderModifier modifier, String protocol,
            boolean keepAlive) {
        HttpHeaders h = r.headers();
        HopHeaders.strip(h);
        if (modifier != null) {
            HopHeaders.apply(modifier, h);
        }
        if (r.status().code() == 101) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, head.headers().get(HttpHeaderNames.UPGRADE, "websocket"));
            return r;
        }
        if (r instanceof FullHttpResponse full) {
            if (!protocol.equals("HTTP/2") && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
            }
        } else if (!h.contains(HttpHeaderNames.CONTENT_LENGTH) && protocol.equals("HTTP/1.1") && mayHaveBody(r, head)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (protocol.equals("HTTP/1.1")) {
            HttpUtil.setKeepAlive(h, HttpVersion.HTTP_1_1, keepAlive);
        }
        return r instanceof FullHttpResponse ? r : new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), h);
    }
}
