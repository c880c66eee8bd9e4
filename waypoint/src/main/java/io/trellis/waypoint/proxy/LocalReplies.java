package io.trellis.waypoint.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.trellis.waypoint.ResponseFlag;
import org.jspecify.annotations.Nullable;

/**
 * Responses the waypoint makes itself (no route, denied, overflow, timeouts, redirects, direct
 * responses). A gRPC client gets a trailers-only response with the {@code grpc-status} the gRPC
 * spec maps the HTTP status to, so its library reports a proper status instead of a protocol error.
 */
final class LocalReplies {

    private LocalReplies() {}

    static FullHttpResponse build(ByteBufAllocator alloc, int status, String body, @Nullable String location,
            @Nullable ResponseFlag flag, boolean grpc) {
        if (grpc && status >= 300 && location == null) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
            r.headers().set("grpc-status", Integer.toString(grpcStatusFor(status)));
            r.headers().set("grpc-message", body.isEmpty() ? HttpResponseStatus.valueOf(status).reasonPhrase() : body);
            flagHeader(r, flag);
            return r;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                body.isEmpty() ? Unpooled.EMPTY_BUFFER : ByteBufUtil.writeUtf8(alloc, body));
        if (!body.isEmpty()) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        if (location != null) {
            r.headers().set(HttpHeaderNames.LOCATION, location);
        }
        flagHeader(r, flag);
        return r;
    }

    private static void flagHeader(FullHttpResponse r, @Nullable ResponseFlag flag) {
        if (flag != null) {
            r.headers().set("x-trellis-response-flags", flag.code());
        }
    }

    /** The gRPC status for an HTTP status (the gRPC spec's HTTP-to-gRPC mapping). */
    static int grpcStatusFor(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7;  // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2;   // UNKNOWN
        };
    }
}
