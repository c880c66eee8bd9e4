package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.trellis.testkit.Await;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An h2c (prior knowledge) client to an HTTP/1.1 service: the waypoint sniffs the preface, serves
 * concurrent streams on one connection and speaks HTTP/1.1 upstream; mirrors get a fire-and-forget copy.
 */
class Http2ToHttp1Test {

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static final AtomicInteger shadowHits = new AtomicInteger();
    static volatile String shadowHost = "";

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        InetSocketAddress app = fx.backend(ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            byte[] answer = ("h1 saw " + ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body.length + " "
                    + ex.getProtocol()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, answer.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        });
        InetSocketAddress shadow = fx.backend(ex -> {
            ex.getRequestBody().readAllBytes();
            shadowHost = ex.getRequestHeaders().getFirst("host");
            shadowHits.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        String routes = """
                {"name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                  {"name": "all", "match": {"prefix": "/"}, "route": {"cluster": "app",
                   "request_mirror_policies": [{"cluster": "shadow"}]}}]}]}""";
        fx.apply(config(List.of(service("app.back.svc.cluster.local", HTTP_VIP, "http", "r")), List.of(routes),
                List.of(edsCluster("app", ""), edsCluster("shadow", "")),
                List.of(endpoints("app", app), endpoints("shadow", shadow)), List.of("app", "shadow")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    @Test
    void concurrentH2StreamsAreServedByAnHttp1Upstream() throws Exception {
        Channel connection = new Bootstrap().group(fx.group).channel(fx.transport.socketChannel())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new io.netty.channel.ChannelInboundHandlerAdapter()));
                    }
                })
                .connect(entry).sync().channel();
        try {
            List<CompletableFuture<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(request(connection, "/item/" + i, i % 2 == 0 ? "" : "payload-" + i));
            }
            for (int i = 0; i < 20; i++) {
                String expected = "h1 saw " + (i % 2 == 0 ? "GET" : "POST") + " /item/" + i + " "
                        + (i % 2 == 0 ? 0 : ("payload-" + i).length()) + " HTTP/1.1";
                assertThat(answers.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(expected);
            }
        } finally {
            connection.close().sync();
        }
        Await.until("every request mirrored", Duration.ofSeconds(10), () -> shadowHits.get() >= 20);
        assertThat(shadowHost).endsWith("-shadow");
        assertThat(fx.accessLog).anyMatch(l -> l.contains("\"protocol\":\"HTTP/2\"") && l.contains("\"path\":\"/item/3\""));
    }

    private static CompletableFuture<String> request(Channel connection, String path, String body) throws InterruptedException {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(1 << 20),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                answer.complete(r.content().toString(StandardCharsets.UTF_8));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                answer.completeExceptionally(cause);
                            }
                        });
            }
        }).open().sync().getNow();
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, body.isEmpty() ? HttpMethod.GET : HttpMethod.POST,
                path, ByteBufUtil.writeUtf8(stream.alloc(), body));
        req.headers().set(HttpHeaderNames.HOST, "app");
        stream.writeAndFlush(req);
        return answer;
    }
}
