package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that closes answered tunnels before reading their end (the stream is cancelled with RST_STREAM,
 * as a proxy finishing an exchange does) is normal traffic, not a rapid-reset attack: the connection must
 * survive any number of them. Netty's default limit (200 resets in 30 s, counting every reset) used to
 * hard-close it, failing the next tunnel with "ended before the server answered" and cutting the tunnels
 * still relaying on it. The flood itself is still refused: see {@link HostileTrafficTest}.
 */
class CancelledTunnelsTest {

    /** Well past the 200 resets Netty's default limit allowed per connection and window. */
    private static final int TUNNELS = 300;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Transport transport;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "cancel-test");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void answeredTunnelsCancelledByTheClientKeepTheConnectionAndItsOtherTunnels() {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            TunnelRequest request = fixture.request(upstream, null);
            // Opened from one pool loop, every tunnel rides that loop's one connection.
            EventLoop loop = group.next();
            Http2StreamChannel longLived = open(fixture.pool, request, loop);
            StringBuffer echoed = new StringBuffer();
            longLived.eventLoop().submit(() -> {
                longLived.pipeline().replace("hold", "collect", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf bytes = (ByteBuf) msg;
                        echoed.append(bytes.toString(StandardCharsets.UTF_8));
                        bytes.release();
                    }
                });
                longLived.config().setAutoRead(true);
            }).syncUninterruptibly();
            longLived.writeAndFlush(Unpooled.copiedBuffer("before;", StandardCharsets.UTF_8));
            Await.until("echo before", WAIT, () -> echoed.toString().equals("before;"));
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < TUNNELS; i++) {
                try {
                    // Answered (200), then closed by the client without waiting for the server's end: RST_STREAM.
                    open(fixture.pool, request, loop).close().syncUninterruptibly();
                } catch (CompletionException e) {
                    failures.add("tunnel " + i + ": " + e.getCause().getMessage());
                }
            }
            assertThat(failures).as("tunnels opened after others were cancelled").isEmpty();
            longLived.writeAndFlush(Unpooled.copiedBuffer("after;", StandardCharsets.UTF_8));
            Await.until("a tunnel relaying meanwhile on the same connection still echoes", WAIT,
                    () -> echoed.toString().equals("before;after;"));
            assertThat(fixture.server.acceptedConnections()).as("one connection carried them all").isEqualTo(1);
            longLived.close().syncUninterruptibly();
        }
    }

    private static Http2StreamChannel open(HboneClientPool pool, TunnelRequest request, EventLoop loop) {
        return CompletableFuture.supplyAsync(() -> pool.open(request), loop).thenCompose(f -> f).join();
    }
}
