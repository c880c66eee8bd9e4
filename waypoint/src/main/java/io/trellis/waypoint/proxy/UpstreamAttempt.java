package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.proxy.core.relay.InboundHold;
import io.trellis.proxy.core.relay.PeerAborted;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.resilience.AttemptOutcome;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One try of a request against one endpoint: an HBONE tunnel to the endpoint's node-proxy with
 * an HTTP/1.1 or HTTP/2 client codec on it. Tunnel events happen on the tunnel connection's loop
 * and are handed to the listener's loop; writes and reads may be issued from any thread.
 *
 * <p>Each attempt uses its own tunnel (HBONE connections themselves are pooled and multiplexed by
 * {@link HboneClientPool}); it is closed when the attempt ends.
 */
final class UpstreamAttempt {

    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;

    final Endpoint endpoint;
    final int number;
    private final EventLoop home;
    private final AttemptListener listener;
    private final boolean http2;
    private volatile @Nullable Channel http;
    private volatile @Nullable Http2StreamChannel tunnel;
    private volatile boolean closed;
    private volatile boolean upgraded;
    private volatile boolean reused;
    /** The tunnel carries an HTTP/2 connection other attempts share: close only our stream. */
    private volatile boolean sharedTunnel;
    private volatile boolean inputEnded;
    private String key = "";
    /** Whom the endpoint's HBONE server had to prove to be (set by {@link #open}). */
    private @Nullable SpiffeId identity;
    private @Nullable String identityUri;
    private volatile boolean released;

    UpstreamAttempt(Endpoint endpoint, int number, EventLoop home, AttemptListener listener, boolean http2) {
        this.endpoint = endpoint;
        this.number = number;
        this.home = home;
        this.listener = listener;
        this.http2 = http2;
    }

    /**
     * Opens the attempt's tunnel, or takes an idle one to the same endpoint when {@code mayReuse}
     * (HTTP/1.1 only). Call on the listener's loop.
     */
    void open(HboneClientPool pool, TunnelRequest request, boolean mayReuse) {
        String uri = request.destinationIdentity().uri();
        open(pool, poolKey(request), request.destinationIdentity(), uri, () -> request, mayReuse);
    }

    /**
     * As {@link #open(HboneClientPool, TunnelRequest, boolean)} to {@code target} (which must have an
     * address and identity); {@code connect} builds the CONNECT only when no tunnel is reused.
     */
    void open(HboneClientPool pool, UpstreamTarget target, Supplier<TunnelRequest> connect, boolean mayReuse) {
        SpiffeId id = target.identity();
        String uri = target.identityUri();
        if (id == null || uri == null) {
            throw new IllegalStateException("attempt to " + endpoint.address() + " without an identity");
        }
        open(pool, target.poolKey(), id, uri, connect, mayReuse);
    }

    private void open(HboneClientPool pool, String poolKey, SpiffeId destination, String destinationUri,
            Supplier<TunnelRequest> connect, boolean mayReuse) {
        key = poolKey;
        identity = destination;
        identityUri = destinationUri;
        if (http2 && mayReuse) {
            Http2StreamChannel shared = SharedH2Upstreams.take(key);
            if (shared != null) {
                reused = true;
                sharedTunnel = true;
                tunnel = shared;
                shared.eventLoop().execute(() -> openChild(shared));
                return;
            }
        }
        if (!http2 && mayReuse) {
            Http2StreamChannel idle = IdleUpstreams.take(key, System.nanoTime());
            if (idle != null) {
                reused = true;
                if (idle.eventLoop().inEventLoop()) {
                    adopt(idle); // the pool is per loop: the idle tunnel is on ours, no task needed
                } else {
                    idle.eventLoop().execute(() -> adopt(idle));
                }
                return;
            }
        }
        TunnelRequest request = connect.get();
        pool.open(request).whenComplete((stream, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                // A certificate for another identity than this endpoint's is a connect failure (Envoy
                // reports TLS verification failures as UF too), with its own detail for the access log.
                String detail = cause instanceof TunnelException.PeerIdentityMismatch
                        ? "upstream_identity_mismatch: " : "upstream_connect_failed: ";
                onHome(() -> listener.failed(this, new AttemptOutcome.ConnectFailure(),
                        ResponseFlag.UPSTREAM_CONNECTION_FAILURE, detail + describe(cause)));
            } else {
                stream.eventLoop().execute(() -> install(stream));
            }
        });
    }

    private static String describe(Throwable cause) {
        if (cause instanceof TunnelException.Rejected r) {
            return "HBONE " + r.status() + " " + r.reason();
        }
        return String.valueOf(cause.getMessage());
    }

    private void install(Http2StreamChannel stream) {
        tunnel = stream;
        if (closed) {
            stream.close();
            return;
        }
        if (!http2) {
            stream.pipeline().addLast("http", new HttpClientCodec(4096, MAX_HEADER_BYTES, MAX_CHUNK_BYTES));
            stream.pipeline().addLast("attempt", new Handler(this));
            releaseHold(stream);
            if (!stream.isActive()) {
                ended("upstream_tunnel_closed"); // closed before the handler could see it go
                return;
            }
            http = stream;
            stream.read();
            onHome(() -> listener.ready(this));
            return;
        }
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
        stream.pipeline().addLast("h2", codec);
        stream.pipeline().addLast("mux", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        stream.pipeline().addLast("idle", new IdleTimer(TimeUnit.SECONDS.toNanos(60)));
        stream.pipeline().addLast("idle-close", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                    ctx.close(); // a minute without streams: give the node-proxy and the app their resources back
                }
                ReferenceCountUtil.release(evt);
            }
        });
        releaseHold(stream);
        // The inner HTTP/2 connection must read its control frames all the time; per-stream flow
        // control (the child channels are not auto-read) bounds what it buffers.
        stream.config().setAutoRead(true);
        sharedTunnel = true;
        onHome(() -> SharedH2Upstreams.offer(key, stream));
        openChild(stream);
    }

    /** Opens this attempt's stream on an HTTP/2 upstream connection (runs on its loop). */
    private void openChild(Http2StreamChannel connection) {
        if (closed) {
            return;
        }
        new Http2StreamChannelBootstrap(connection).option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new Handler(UpstreamAttempt.this));
                    }
                })
                .open().addListener(f -> {
                    if (f.isSuccess()) {
                        Http2StreamChannel child = (Http2StreamChannel) f.getNow();
                        http = child;
                        if (closed) {
                            child.close();
                            return;
                        }
                        child.read();
                        onHome(() -> listener.ready(this));
                    } else {
                        // A shared connection going away (GOAWAY, stream limit): forget it; the
                        // exchange retries once on a fresh tunnel when the connection was reused.
                        onHome(() -> {
                            SharedH2Upstreams.remove(key, connection);
                            listener.failed(this, reused ? new AttemptOutcome.Reset(false) : new AttemptOutcome.ConnectFailure(),
                                    ResponseFlag.UPSTREAM_CONNECTION_FAILURE, "upstream_h2_stream_failed");
                        });
                    }
                });
    }

    static String poolKey(TunnelRequest request) {
        return IdleUpstreams.key(Addresses.format(request.target()), request.destinationIdentity().uri());
    }

    /** Takes over an idle HTTP/1.1 tunnel whose previous exchange ended cleanly. */
    private void adopt(Http2StreamChannel stream) {
        if (!stream.isActive()) {
            onHome(() -> listener.failed(this, new AttemptOutcome.ConnectFailure(),
                    ResponseFlag.UPSTREAM_CONNECTION_FAILURE, "upstream_idle_tunnel_closed"));
            return;
        }
        tunnel = stream;
        // The tunnel's handler serves one attempt at a time: point it at this one (replacing the
        // handler instead cost a pipeline rebuild per request).
        if (stream.pipeline().get("attempt") instanceof Handler h) {
            h.owner = this;
        } else {
            stream.pipeline().replace("attempt", "attempt", new Handler(this));
        }
        if (!stream.isActive()) {
            ended("upstream_tunnel_closed");
            return;
        }
        http = stream;
        stream.read();
        onHome(() -> listener.ready(this));
    }

    /** The identity the endpoint was verified against, once {@link #open} ran. */
    @Nullable SpiffeId identity() {
        return identity;
    }

    /** {@link #identity()} as a URI, or null before {@link #open}. */
    @Nullable String identityUri() {
        return identityUri;
    }

    boolean isHttp2() {
        return http2;
    }

    /** Whether this attempt runs on a tunnel a previous exchange used (a stale one may fail at once). */
    boolean reused() {
        return reused;
    }

    /**
     * Ends a cleanly finished HTTP/1.1 attempt by keeping its tunnel for the next request to the
     * same endpoint (on the calling loop); other attempts are closed.
     */
    void release(long now) {
        Http2StreamChannel t = tunnel;
        if (http2 || upgraded || t == null || closed || inputEnded) {
            close();
            return;
        }
        released = true;
        closed = true; // this attempt's handler now drops anything the idle tunnel receives
        IdleUpstreams.offer(key, t, now);
    }

    /** The pool parks bytes that arrive before the stream is taken over; hand them to our codec. */
    private static void releaseHold(Http2StreamChannel stream) {
        if (stream.pipeline().get(InboundHold.class) != null) {
            stream.pipeline().remove(InboundHold.class);
        }
    }

    private void ended(String detail) {
        if (!closed && !upgraded && !released) {
            onHome(() -> listener.failed(this, new AttemptOutcome.Reset(false),
                    ResponseFlag.UPSTREAM_CONNECTION_TERMINATION, detail));
        }
    }

    /** Writes a request part (any thread); ownership passes. */
    void write(Object msg, boolean flush) {
        Channel ch = http;
        if (ch == null || closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (flush) {
            ch.writeAndFlush(msg, ch.voidPromise());
        } else {
            ch.write(msg, ch.voidPromise());
        }
    }

    void flush() {
        Channel ch = http;
        if (ch != null && !closed) {
            ch.flush();
        }
    }

    boolean isWritable() {
        Channel ch = http;
        return ch != null && ch.isWritable();
    }

    /** Asks for the next response part. */
    void read() {
        Channel ch = http;
        if (ch != null && !closed) {
            ch.read();
        }
    }

    /** Ends the attempt: closes the tunnel (an RST_STREAM to the node-proxy). Idempotent. */
    void close() {
        closed = true;
        Channel ch = http;
        if (sharedTunnel) {
            if (ch != null) {
                ch.close(); // RST_STREAM(CANCEL) if still open; the shared connection stays
            }
            return;
        }
        Http2StreamChannel t = tunnel;
        if (t != null) {
            t.close();
        }
    }

    /** After a 101: the tunnel as a raw byte channel, with any early bytes parked for a relay. */
    @Nullable Http2StreamChannel upgradedTunnel() {
        return upgraded ? tunnel : null;
    }

    private void onHome(Runnable task) {
        if (home.inEventLoop()) {
            task.run();
        } else {
            home.execute(task);
        }
    }

    /** A response part from the tunnel, on the tunnel's loop. */
    private void received(HttpObject part) {
        if (home.inEventLoop()) {
            deliver(part); // the common case (the tunnel rides a connection on our loop): no task
        } else {
            home.execute(() -> deliver(part));
        }
    }

    private void deliver(HttpObject part) {
        if (closed) {
            ReferenceCountUtil.release(part);
        } else {
            listener.response(this, part);
        }
    }

    /**
     * Passes the tunnel's HTTP events to the listener's loop for the attempt that owns the tunnel
     * now: an idle HTTP/1.1 tunnel's next attempt takes the handler over ({@link #adopt}).
     */
    private static final class Handler extends ChannelInboundHandlerAdapter {

        UpstreamAttempt owner;

        Handler(UpstreamAttempt owner) {
            this.owner = owner;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            UpstreamAttempt a = owner;
            if (a.closed || !(msg instanceof HttpObject part)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!a.http2 && part instanceof HttpResponse r && r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // From here the codec passes raw bytes: park them until the relay takes the tunnel.
                a.upgraded = true;
                ctx.pipeline().replace(this, "hold", new InboundHold());
                ctx.pipeline().addAfter("hold", "upgraded", new UpgradedTunnelGuard());
                ctx.pipeline().remove("http"); // raw bytes from now on; leftovers land in the hold
            }
            a.received(part);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Reads are requested by the listener, never here: that is the backpressure.
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            UpstreamAttempt a = owner;
            if (ctx.channel().isWritable()) {
                a.onHome(() -> a.listener.writable(a));
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            UpstreamAttempt a = owner;
            if (evt instanceof PeerAborted) {
                ctx.close();
            } else if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                a.inputEnded = true; // the application closed its connection: this tunnel is not reusable
                if (a.closed) {
                    ctx.close();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // One signal, to the attempt that owns the tunnel now, so nothing accumulates on a
            // long-lived tunnel the way close-future listeners would.
            UpstreamAttempt a = owner;
            a.ended(a.http2 ? "upstream_stream_closed" : "upstream_tunnel_closed");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
