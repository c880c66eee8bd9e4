package io.trellis.proxy.core.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes aggregated requests. Malformed requests get 400, unknown paths 404, wrong methods 405 (with
 * {@code Allow}), handler failures 500; none of them affects the server.
 */
final class AdminChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(AdminChannelHandler.class);

    private final String server;
    private final AdminRoutes routes;

    AdminChannelHandler(String server, AdminRoutes routes) {
        this.server = server;
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        AdminResponse response;
        if (request.decoderResult().isFailure()) {
            response = AdminResponse.text(400, "malformed request: " + request.decoderResult().cause().getMessage()
                    + "\n");
            keepAlive = false;
        } else {
            response = route(request);
        }
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        if (response.status() == 405) {
            Map<String, AdminHandler> byMethod = routes.forPath(new QueryStringDecoder(request.uri()).path());
            if (byMethod != null) {
                out.headers().set(HttpHeaderNames.ALLOW, String.join(", ", byMethod.keySet()));
            }
        }
        HttpUtil.setKeepAlive(out, keepAlive);
        var written = ctx.writeAndFlush(out);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private AdminResponse route(FullHttpRequest request) {
        QueryStringDecoder uri;
        try {
            uri = new QueryStringDecoder(request.uri());
            uri.parameters(); // decodes now so a bad escape is a 400, not a handler failure
        } catch (IllegalArgumentException e) {
            return AdminResponse.text(400, "malformed request URI: " + e.getMessage() + "\n");
        }
        Map<String, AdminHandler> byMethod = routes.forPath(uri.path());
        if (byMethod == null) {
            return AdminResponse.text(404, "no such path " + uri.path() + "; this server has: "
                    + String.join(" ", routes.paths()) + "\n");
        }
        String method = request.method().name();
        AdminHandler handler = byMethod.get(method);
        if (handler == null) {
            return AdminResponse.text(405, method + " not allowed on " + uri.path() + "; use "
                    + String.join(" or ", byMethod.keySet()) + "\n");
        }
        try {
            return handler.handle(new AdminRequest(method, uri.path(), uri.parameters()));
        } catch (Exception e) {
            LOG.warn("event=admin_handler_failed server={} path={} error=\"{}\"", server, uri.path(), e.toString());
            return AdminResponse.text(500, "handler failed: " + e + "\n");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("event=admin_connection_error server={} error=\"{}\"", server, cause.toString());
        ctx.close();
    }
}
