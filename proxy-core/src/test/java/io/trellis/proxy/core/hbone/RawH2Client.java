package io.trellis.proxy.core.hbone;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A deliberately misbehaving HBONE client for hostile-traffic tests: real TLS with a real client certificate and
 * ALPN h2, then whatever HTTP/2 frames the test writes with Netty's own {@link DefaultHttp2FrameWriter}, none of
 * the client-side protocol checks a codec would apply. It parses what the server answers (GOAWAY, RST_STREAM,
 * response HEADERS) with {@link DefaultHttp2FrameReader} so the test can assert on it.
 */
final class RawH2Client implements AutoCloseable {

    final Channel channel;
    final CompletableFuture<Void> handshake = new CompletableFuture<>();
    /**
     * Error code of the FIRST GOAWAY received, -1 until one arrives. Later GOAWAYs are ignored: after
     * the first one the server may answer the attacker's frames still in flight with another
     * (e.g. PROTOCOL_ERROR for a reset of a stream it never created), which is not what ended the flood.
     */
    final AtomicLong goAwayError = new AtomicLong(-1);
    final Map<Long, AtomicInteger> resetsReceived = new ConcurrentHashMap<>();
    final Map<Integer, String> statuses = new ConcurrentHashMap<>();
    final AtomicInteger pingAcks = new AtomicInteger();
    final AtomicInteger settingsAcks = new AtomicInteger();
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private volatile ChannelHandlerContext ctx;
    /** Event-loop state: whether our preface went out, and SETTINGS ACKs held back until it does. */
    private boolean prefaceSent;
    private int deferredSettingsAcks;

    private RawH2Client(Channel channel) {
        this.channel = channel;
    }

    /** Connects and completes TLS; the HTTP/2 preface is not sent until {@link #preface()}. */
    static RawH2Client connect(EventLoopGroup group, Transport transport, SslContext tls, InetSocketAddress server) {
        CompletableFuture<RawH2Client> created = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(transport.socketChannel())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast("tls", tls.newHandler(c.alloc()));
                        c.pipeline().addLast("frames", new FrameDecoder(created));
                    }
                })
                .connect(server).syncUninterruptibly().channel();
        RawH2Client client = new RawH2Client(ch);
        client.ctx = ch.pipeline().context("frames");
        created.complete(client);
        return client;
    }

    int resets(Http2Error error) {
        AtomicInteger n = resetsReceived.get(error.code());
        return n == null ? 0 : n.get();
    }

    void preface() {
        run(ctx -> {
            ctx.write(Http2CodecUtil.connectionPrefaceBuf());
            writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
            prefaceSent = true;
            for (; deferredSettingsAcks > 0; deferredSettingsAcks--) {
                writer.writeSettingsAck(ctx, ctx.newPromise());
            }
        });
    }

    /**
     * Answers a server SETTINGS. The server sends its SETTINGS as soon as TLS is up, which can be
     * before the test calls {@link #preface()}; an ACK written then would precede our preface and
     * the server would rightly fail the connection with PROTOCOL_ERROR, so it waits for the preface.
     * Event loop only.
     */
    private void acknowledgeSettings(ChannelHandlerContext ctx) {
        if (prefaceSent) {
            writer.writeSettingsAck(ctx, ctx.newPromise());
            ctx.flush();
        } else {
            deferredSettingsAcks++;
        }
    }

    /** A CONNECT for {@code authority} on {@code streamId} (odd, increasing). */
    void connect(int streamId, String authority) {
        headers(streamId, new DefaultHttp2Headers().method("CONNECT").authority(authority));
    }

    void headers(int streamId, Http2Headers headers) {
        run(ctx -> writer.writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise()));
    }

    void raw(ByteBuf bytes) {
        run(ctx -> ctx.write(bytes));
    }

    /** Runs writes on the channel's event loop (the frame writer's HPACK state is not thread-safe) and flushes. */
    void run(Consumer<ChannelHandlerContext> writes) {
        channel.eventLoop().execute(() -> {
            writes.accept(ctx);
            ctx.flush();
        });
    }

    /** {@code count} frames written by {@code frame(i)} in one event-loop task, flushed every 64 KiB or so. */
    void burst(int count, java.util.function.IntConsumer frame) {
        channel.eventLoop().execute(() -> {
            for (int i = 0; i < count; i++) {
                frame.accept(i);
                if (i % 4096 == 4095) {
                    ctx.flush();
                }
            }
            ctx.flush();
        });
    }

    void writeSettings() {
        writer.writeSettings(ctx, new Http2Settings().initialWindowSize(65_535), ctx.newPromise());
    }

    void writePing(long data) {
        writer.writePing(ctx, false, data, ctx.newPromise());
    }

    void writeConnect(int streamId, String authority) {
        writer.writeHeaders(ctx, streamId, new DefaultHttp2Headers().method("CONNECT").authority(authority), 0, false,
                ctx.newPromise());
    }

    void writeReset(int streamId) {
        writer.writeRstStream(ctx, streamId, Http2Error.CANCEL.code(), ctx.newPromise());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        writer.close();
    }

    /** Parses the server's frames; answers its SETTINGS (a client that never did would be a different test). */
    private static final class FrameDecoder extends ByteToMessageDecoder {
        private final CompletableFuture<RawH2Client> owner;
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();

        FrameDecoder(CompletableFuture<RawH2Client> owner) {
            this.owner = owner;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                owner.thenAccept(c -> {
                    if (done.isSuccess()) {
                        c.handshake.complete(null);
                    } else {
                        c.handshake.completeExceptionally(done.cause());
                    }
                });
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Http2Exception {
            RawH2Client c = owner.join();
            reader.readFrame(ctx, in, new Http2FrameAdapter() {
                @Override
                public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
                    c.acknowledgeSettings(ctx);
                }

                @Override
                public void onSettingsAckRead(ChannelHandlerContext ctx) {
                    c.settingsAcks.incrementAndGet();
                }

                @Override
                public void onPingAckRead(ChannelHandlerContext ctx, long data) {
                    c.pingAcks.incrementAndGet();
                }

                @Override
                public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
                    c.resetsReceived.computeIfAbsent(errorCode, k -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
                    c.goAwayError.compareAndSet(-1, errorCode);
                }

                @Override
                public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                        boolean endOfStream) {
                    if (headers.status() != null) {
                        c.statuses.put(streamId, headers.status().toString());
                    }
                }

                @Override
                public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int dependency,
                        short weight, boolean exclusive, int padding, boolean endOfStream) {
                    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
                }
            });
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            reader.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
