package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stream the server never processed (above the last stream id of its GOAWAY, RFC 9113 section 6.8) is opened
 * again on another connection instead of failing the caller with "ended before the server answered"; once, so
 * a peer that refuses every stream still ends in an error.
 */
class GoAwayRetryTest {

    private static Transport transport;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "goaway-test");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aStreamTheServerDidNotProcessIsOpenedAgainOnAnotherConnection() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            // The first connection answers its first stream with GOAWAY(last stream id 0); later ones answer 200.
            AtomicInteger connections = new AtomicInteger();
            Channel server = goAwayServer(fixture, n -> n == 1, connections);
            try {
                InetSocketAddress at = (InetSocketAddress) server.localAddress();
                Http2StreamChannel stream = fixture.pool.open(fixture.request(at, null, at)).join();
                assertThat(stream.isActive()).isTrue();
                assertThat(connections.get()).as("the refused stream went to a second connection").isEqualTo(2);
                stream.close().syncUninterruptibly();
            } finally {
                server.close().syncUninterruptibly();
            }
        }
    }

    @Test
    void aPeerThatNeverProcessesAStreamFailsItAfterOneRetry() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            AtomicInteger connections = new AtomicInteger();
            Channel server = goAwayServer(fixture, n -> true, connections);
            try {
                InetSocketAddress at = (InetSocketAddress) server.localAddress();
                Throwable failure = catchThrowable(() -> fixture.pool.open(fixture.request(at, null, at)).join());
                assertThat(failure).isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(TunnelException.StreamReset.class)
                        .hasMessageContaining("ended before the server answered");
                assertThat(connections.get()).as("first attempt and one retry").isEqualTo(2);
            } finally {
                server.close().syncUninterruptibly();
            }
        }
    }

    /** An HBONE-speaking server whose n-th connection (from 1) refuses its streams by GOAWAY when {@code refuse} says so. */
    private static Channel goAwayServer(TunnelFixture fixture, IntPredicate refuse, AtomicInteger connections) {
        SslContext tls = TlsContexts.server(fixture.serverCert, Clock.systemUTC());
        return new ServerBootstrap().group(group).channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        boolean refusing = refuse.test(connections.incrementAndGet());
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), codec, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                try {
                                    if (!(msg instanceof Http2HeadersFrame headers)) {
                                        return;
                                    }
                                    if (refusing) {
                                        codec.goAway(ctx, 0, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                                                ctx.newPromise());
                                    } else {
                                        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"))
                                                .stream(headers.stream()));
                                    }
                                } finally {
                                    ReferenceCountUtil.release(msg);
                                }
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }
}
