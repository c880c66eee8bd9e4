package io.trellis.proxy.core.hbone;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.transport.ChannelTuning;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pooled HTTP/2 connection to an HBONE peer. Confined to its {@link ConnectionSet}'s event loop.
 *
 * <p>Stream slots are reserved when a request is placed (so concurrent requests spread over
 * connections without overshooting the limit) and released when the stream channel closes.
 * Requests placed before the connection is ready wait in {@link #waiting}.
 */
final class ClientConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    private record Waiter(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {}

    private final ConnectionSet set;
    private final HboneClientPool pool;
    private final String peer;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private @Nullable Channel channel;
    private int reserved;
    private long remoteMax = Long.MAX_VALUE;
    private boolean ready;
    private boolean done;
    private boolean failed;
    private boolean idleCheckPending;
    private long idleSince;

    ClientConnection(ConnectionSet set) {
        this.set = set;
        this.pool = set.pool;
        this.peer = Authority.format(set.key.address());
    }

    private long capacity() {
        return Math.min(pool.config.maxStreamsPerConnection(), remoteMax);
    }

    boolean tryReserve() {
        if (done || reserved >= capacity()) {
            return false;
        }
        reserved++;
        return true;
    }

    void connect() {
        SslContext tls = pool.certificates.forSource(set.key.source());
        if (tls == null) {
            fail(new TunnelException.HandshakeFailed("no workload certificate held for source identity "
                    + set.key.source() + " (has it been issued yet?); cannot open HBONE to " + peer, null));
            return;
        }
        InetSocketAddress address = set.key.address();
        Bootstrap bootstrap = new Bootstrap()
                .group(set.loop)
                .channel(pool.transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, ChannelTuning.recvAllocator())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, ChannelTuning.waterMark())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) pool.config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc(), address.getHostString(), address.getPort());
                        ssl.setHandshakeTimeoutMillis(pool.config.handshakeTimeout().toMillis());
                        ch.pipeline().addLast("tls", ssl);
                        ch.pipeline().addLast("gate", new ClientConnectionHandler(ClientConnection.this,
                                set.key, peer, pool.metrics));
                    }
                });
        HboneDialer dialer = pool.dialer;
        if (dialer != null) {
            dialer.dial(bootstrap, address).addListener((Future<Channel> f) -> {
                if (set.loop.inEventLoop()) {
                    dialed(f);
                } else {
                    set.loop.execute(() -> dialed(f));
                }
            });
            return;
        }
        ChannelFuture connect = bootstrap.connect(address);
        channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                fail(connectFailure(f.cause()));
            }
        });
        connect.channel().closeFuture().addListener(f -> onClosed());
    }

    /** A dialer's result, on the set's loop: the channel is only known from now on. */
    private void dialed(Future<Channel> f) {
        if (!f.isSuccess()) {
            fail(connectFailure(f.cause()));
            closed.complete(null);
            return;
        }
        Channel ch = f.getNow();
        channel = ch;
        ch.closeFuture().addListener(x -> onClosed());
        if (done && !ready) {
            ch.close(); // closed or failed while dialing
        }
    }

    private TunnelException connectFailure(Throwable cause) {
        InetSocketAddress address = set.key.address();
        String message;
        if (cause instanceof ConnectTimeoutException) {
            message = "HBONE connect to " + peer + " timed out after " + pool.config.connectTimeout().toSeconds()
                    + " s: is that node reachable (routes, firewall)?";
        } else if (String.valueOf(cause.getMessage()).contains("refused")) {
            message = "HBONE connect to " + peer + " refused: is the node-proxy on that node running?";
        } else if (String.valueOf(cause.getMessage()).matches(".*(No route to host|unreachable).*")) {
            message = "HBONE connect to " + peer + " failed: no route: is that node up and routable?";
        } else {
            message = "HBONE connect to " + peer + " failed: " + cause.getMessage();
        }
        return new TunnelException.ConnectFailed(address, message, cause);
    }

    /** TLS done, identity checked, server SETTINGS received: streams may be opened. */
    void ready(long serverMaxStreams) {
        if (done) {
            return;
        }
        ready = true;
        remoteMax = serverMaxStreams;
        pool.metrics.connectionsOpened.increment();
        LOG.debug("event=hbone_connection_ready peer={} identity={} server_max_streams={}", peer,
                set.key.destination(), serverMaxStreams);
        while (!waiting.isEmpty()) {
            Waiter w = waiting.poll();
            if (reserved > capacity()) {
                reserved--; // the server allows fewer streams than we reserved: place the rest elsewhere
                set.place(w.request, w.result);
            } else {
                startStream(w.request, w.result);
            }
        }
    }

    /** A stream slot was reserved for this request by {@link #tryReserve}. */
    void openStream(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        if (ready) {
            startStream(request, result);
        } else {
            waiting.add(new Waiter(request, result));
        }
    }

    private void startStream(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        Channel ch = channel;
        if (ch == null || done) {
            release();
            set.place(request, result);
            return;
        }
        Http2Headers headers = new DefaultHttp2Headers()
                .method("CONNECT")
                .authority(Authority.format(request.target()));
        if (request.forwardedFor() != null) {
            headers.set(HboneHeaders.FORWARDED, "for=\"" + Authority.format(request.forwardedFor()) + "\"");
        }
        if (request.baggage() != null) {
            headers.set(HboneHeaders.BAGGAGE, request.baggage());
        }
        if (request.traceparent() != null) {
            headers.set(HboneHeaders.TRACEPARENT, request.traceparent());
        }
        StreamByteCodec codec = new StreamByteCodec(peer, pool.metrics);
        new Http2StreamChannelBootstrap(ch)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, ChannelTuning.waterMark())
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast("bytes", codec);
                        stream.pipeline().addLast("connect", new ConnectResponseHandler(request, result, codec,
                                pool.metrics, retryOnce(request, result)));
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (!f.isSuccess()) {
                        release();
                        result.completeExceptionally(new TunnelException.StreamReset("cannot open a stream on the HBONE "
                                + "connection to " + peer + ": " + f.cause().getMessage(), f.cause()));
                        return;
                    }
                    Http2StreamChannel stream = f.getNow();
                    stream.closeFuture().addListener(x -> release());
                    // The server answers once its upstream connect finished or timed out; a server that
                    // never answers must not hold the caller (or the stream slot) forever.
                    long answerNanos = 2 * pool.config.connectTimeout().toNanos();
                    var timeout = stream.eventLoop().schedule(() -> {
                        if (result.completeExceptionally(new TunnelException.StreamReset("HBONE CONNECT to "
                                + Authority.format(request.target()) + " via " + peer + " got no answer within "
                                + TimeUnit.NANOSECONDS.toSeconds(answerNanos) + " s; is the peer overloaded?", null))) {
                            stream.close();
                        }
                    }, answerNanos, TimeUnit.NANOSECONDS);
                    result.whenComplete((s, e) -> timeout.cancel(false));
                    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
                    stream.read();
                });
    }

    /**
     * Opens the request again (on another connection: this one got a GOAWAY) when the server never processed
     * its stream; once, so a peer that refuses every stream ends in an error. Null for a second attempt.
     */
    private @Nullable Runnable retryOnce(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        if (result instanceof SecondAttempt) {
            return null;
        }
        return () -> {
            LOG.debug("event=hbone_stream_retry peer={} reason=\"not processed before GOAWAY\"", peer);
            set.place(request, new SecondAttempt(result));
        };
    }

    /** The result of a second attempt, handed on to the caller's. */
    private static final class SecondAttempt extends CompletableFuture<Http2StreamChannel> {
        SecondAttempt(CompletableFuture<Http2StreamChannel> caller) {
            whenComplete((stream, error) -> {
                if (error != null) {
                    caller.completeExceptionally(error);
                } else if (!caller.complete(stream)) {
                    stream.close(); // the caller gave up meanwhile
                }
            });
        }
    }

    private void release() {
        reserved--;
        if (reserved == 0 && !done) {
            idleSince = pool.nanoClock.getAsLong();
            if (!idleCheckPending) {
                // One pending check per connection, however often it goes idle and busy again.
                idleCheckPending = true;
                set.loop.schedule(this::idleCheck, pool.config.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void idleCheck() {
        idleCheckPending = false;
        if (done || closeIfIdle() || reserved > 0) {
            return;
        }
        // Idle, but not for long enough yet (it was busy in between): look again when it could be.
        long remaining = pool.config.idleTimeout().toNanos() - (pool.nanoClock.getAsLong() - idleSince);
        idleCheckPending = true;
        set.loop.schedule(this::idleCheck, Math.max(remaining, 1_000_000L), TimeUnit.NANOSECONDS);
    }

    boolean closeIfIdle() {
        if (done || !ready || reserved > 0
                || pool.nanoClock.getAsLong() - idleSince < pool.config.idleTimeout().toNanos()) {
            return false;
        }
        LOG.debug("event=hbone_connection_idle_close peer={}", peer);
        retire();
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
        return true;
    }

    /** No further streams on this connection (GOAWAY received or idle); open ones finish. */
    void retire() {
        if (!done) {
            done = true;
            set.removed(this);
        }
    }

    /** The connection cannot be used: fail everyone waiting and close it. */
    void fail(TunnelException error) {
        if (failed) {
            return;
        }
        failed = true;
        if (!ready) {
            pool.metrics.connectionsFailed.increment();
        }
        LOG.info("event=hbone_connection_failed peer={} identity={} reason=\"{}\"", peer, set.key.destination(),
                error.getMessage());
        retire();
        while (!waiting.isEmpty()) {
            Waiter w = waiting.poll();
            reserved--;
            w.result.completeExceptionally(error);
        }
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void onClosed() {
        // A failed connect may close the channel before its promise reports why; let that report
        // (and its actionable message) go first.
        set.loop.execute(this::afterClose);
    }

    private void afterClose() {
        if (!waiting.isEmpty()) {
            fail(new TunnelException.ConnectFailed(set.key.address(), "HBONE connection to " + peer
                    + " closed before it was ready", null));
        }
        retire();
        closed.complete(null);
    }

    CompletableFuture<Void> close() {
        retire();
        Channel ch = channel;
        if (ch == null) {
            closed.complete(null);
        } else {
            ch.close();
        }
        return closed;
    }
}
