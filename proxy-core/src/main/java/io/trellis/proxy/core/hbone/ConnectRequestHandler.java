package io.trellis.proxy.core.hbone;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.relay.Relay;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of one HBONE stream: validates the CONNECT, asks the {@link HboneHandler}, answers
 * 200 once the upstream is connected (or an error status with a reason), then relays.
 */
final class ConnectRequestHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectRequestHandler.class);

    private final HboneHandler handler;
    private final HboneMetrics metrics;
    private final SpiffeId peer;
    private final StreamByteCodec codec;
    private boolean started;

    ConnectRequestHandler(HboneHandler handler, HboneMetrics metrics, SpiffeId peer, StreamByteCodec codec) {
        this.handler = handler;
        this.metrics = metrics;
        this.peer = peer;
        this.codec = codec;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read(); // the stream is not auto-read: fetch the HEADERS that opened it
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (started || !(msg instanceof Http2HeadersFrame frame)) {
            ReferenceCountUtil.release(msg); // nothing but HEADERS can precede the request
            return;
        }
        started = true;
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        Channel connection = stream.parent();
        InetSocketAddress peerAddress = (InetSocketAddress) connection.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) connection.localAddress();
        Http2Headers headers = frame.headers();
        String problem = validate(headers);
        if (problem != null) {
            int status = problem.startsWith("HBONE accepts only CONNECT") ? 405 : 400;
            respondError(stream, status, problem, peerAddress);
            return;
        }
        InetSocketAddress target = Authority.parse(headers.authority().toString());
        if (target == null) {
            respondError(stream, 400, "invalid :authority '" + HboneHeaders.headerSafe(headers.authority().toString())
                    + "': HBONE needs a literal <ipv4>:<port> or [<ipv6>]:<port>", peerAddress);
            return;
        }
        HboneRequest request = new HboneRequest(peer, peerAddress, local, target,
                text(headers, HboneHeaders.FORWARDED), text(headers, HboneHeaders.BAGGAGE),
                text(headers, HboneHeaders.TRACEPARENT), stream.eventLoop());
        // Bytes the client sends before our answer wait in the hold, bounded by the stream window.
        ctx.pipeline().replace(this, "hold", new InboundHold());
        if (frame.isEndStream()) {
            stream.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        open(stream, request);
    }

    private void open(Http2StreamChannel stream, HboneRequest request) {
        try {
            handler.open(request).whenComplete((upstream, failure) -> {
                if (stream.eventLoop().inEventLoop()) {
                    opened(stream, request, upstream, failure);
                } else {
                    stream.eventLoop().execute(() -> opened(stream, request, upstream, failure));
                }
            });
        } catch (RuntimeException e) {
            // A handler bug must cost one stream, never the connection.
            LOG.warn("event=hbone_handler_failed peer={} target={} error=\"{}\"", request.peer(), request.target(), e.toString());
            opened(stream, request, null, e);
        }
    }

    private void opened(Http2StreamChannel stream, HboneRequest request, @Nullable Channel upstream,
            @Nullable Throwable failure) {
        if (failure != null || upstream == null) {
            Throwable cause = failure instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : failure;
            Status status = Status.of(cause, request.target());
            respondError(stream, status.code, status.reason, request.peerAddress());
            return;
        }
        if (!stream.isActive()) {
            upstream.close(); // the client gave up while we were connecting
            return;
        }
        codec.established();
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
        metrics.streamsOpened.increment();
        stream.closeFuture().addListener(f -> metrics.streamsClosed.increment());
        LOG.debug("event=hbone_stream_open peer={} target={}", request.peer(), request.target());
        Relay.start(stream, upstream);
    }

    private void respondError(Http2StreamChannel stream, int status, String reason, InetSocketAddress peerAddress) {
        metrics.rejected(status);
        LOG.info("event=hbone_connect_rejected peer={} peer_addr={} status={} reason=\"{}\"", peer, peerAddress, status, reason);
        if (!stream.isActive()) {
            return;
        }
        String safe = HboneHeaders.headerSafe(reason);
        Http2Headers headers = new DefaultHttp2Headers().status(Integer.toString(status))
                .set(HboneHeaders.REASON, safe)
                .set("content-type", "text/plain; charset=utf-8");
        stream.write(new DefaultHttp2HeadersFrame(headers, false));
        stream.writeAndFlush(new DefaultHttp2DataFrame(ByteBufUtil.writeUtf8(stream.alloc(), safe + "\n"), true))
                .addListener(f -> stream.close());
    }

    private static @Nullable String validate(Http2Headers headers) {
        CharSequence method = headers.method();
        if (method == null || !HttpMethod.CONNECT.asciiName().contentEquals(method)) {
            return "HBONE accepts only CONNECT, got " + (method == null ? "no :method" : HboneHeaders.headerSafe(method.toString()));
        }
        if (headers.path() != null || headers.scheme() != null) {
            return "CONNECT must not carry :path or :scheme (RFC 9113 section 8.5); extended CONNECT is not supported";
        }
        if (headers.get(":protocol") != null) {
            return "extended CONNECT (:protocol) is not supported; HBONE uses plain CONNECT";
        }
        if (headers.authority() == null || headers.authority().length() == 0) {
            return "CONNECT without :authority; HBONE needs :authority=<ip>:<port> of the destination";
        }
        return null;
    }

    private static @Nullable String text(Http2Headers headers, CharSequence name) {
        CharSequence value = headers.get(name);
        return value == null ? null : value.toString();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("event=hbone_stream_error peer={} error=\"{}\"", peer, cause.toString());
        ctx.close();
    }

    /** Maps an open failure to the status the client sees. */
    private record Status(int code, String reason) {
        static Status of(@Nullable Throwable cause, InetSocketAddress target) {
            String where = Authority.format(target);
            if (cause instanceof TunnelException.Rejected rejected) {
                return new Status(rejected.status(), rejected.reason());
            }
            if (cause instanceof ConnectTimeoutException) {
                return new Status(504, "upstream " + where + " did not accept the connection in time: " + cause.getMessage());
            }
            if (cause instanceof NoRouteToHostException || (cause instanceof ConnectException
                    && String.valueOf(cause.getMessage()).matches(".*(No route to host|Network is unreachable).*"))) {
                return new Status(503, "upstream " + where + " is unreachable: " + cause.getMessage());
            }
            if (cause instanceof ConnectException) {
                return new Status(502, "upstream " + where + " refused the connection: is the application listening on that port?");
            }
            return new Status(502, "could not open upstream " + where + ": " + (cause == null ? "no channel" : cause));
        }
    }
}
