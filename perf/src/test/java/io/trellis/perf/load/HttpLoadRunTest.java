package io.trellis.perf.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.trellis.perf.server.HttpTarget;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Short real runs against the Netty target: every scheduled request is accounted for. */
class HttpLoadRunTest {

    private static Transport transport;
    private static EventLoopGroup client;
    private static EventLoopGroup server;
    private static HttpTarget target;

    @BeforeAll
    static void start() throws Exception {
        transport = Transports.choice().transport();
        client = transport.newEventLoopGroup(1, "load-test-client");
        server = transport.newEventLoopGroup(1, "load-test-target");
        target = HttpTarget.start(server, transport.serverSocketChannel(), 0, 1024, 64 * 1024);
    }

    @AfterAll
    static void stop() {
        target.close();
        client.shutdownGracefully().syncUninterruptibly();
        server.shutdownGracefully().syncUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(LoadConfig.Protocol.class)
    void everyScheduledRequestIsAnsweredAndRecorded(LoadConfig.Protocol protocol) throws Exception {
        LoadConfig config = new LoadConfig(protocol, target.address(), 4, Arrivals.Kind.POISSON, 400, 3,
                Duration.ofMillis(100), Duration.ofMillis(400), 1024, 2048, 1000, 16, Duration.ofSeconds(10));
        LoadResult result = HttpLoadRun.run(client.next(), transport.socketChannel(), config);

        assertThat(result.scheduled()).isPositive();
        assertThat(result.completed() + result.warmupCompleted()).isEqualTo(result.scheduled());
        assertThat(result.completed()).isPositive();
        assertThat(result.errors()).isZero();
        assertThat(result.overflowed()).isZero();
        assertThat(result.unfinished()).isZero();
        assertThat(result.latencyMicros().count()).isEqualTo(result.completed());
        assertThat(result.mode()).isEqualTo(protocol.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Test
    void theNewConnectionsModeOpensOneConnectionPerRequest() throws Exception {
        LoadConfig config = new LoadConfig(LoadConfig.Protocol.HTTP1, target.address(), 1, Arrivals.Kind.UNIFORM,
                200, 1, Duration.ZERO, Duration.ofMillis(250), 100, 100, 1000, 1, Duration.ofSeconds(10));
        LoadResult result = ConnectRateRun.run(client.next(), transport.socketChannel(), config, 64);

        assertThat(result.scheduled()).isEqualTo(50);
        assertThat(result.completed()).isEqualTo(50);
        assertThat(result.errors()).isZero();
        assertThat(result.unfinished()).isZero();
    }

    @Test
    void aTargetThatRefusesConnectionsCountsErrorsNotLatency() throws Exception {
        var closed = new java.net.InetSocketAddress("127.0.0.1", freePort());
        LoadConfig config = new LoadConfig(LoadConfig.Protocol.HTTP1, closed, 1, Arrivals.Kind.UNIFORM,
                100, 1, Duration.ZERO, Duration.ofMillis(100), 0, 0, 1000, 1, Duration.ofSeconds(10));
        LoadResult result = ConnectRateRun.run(client.next(), transport.socketChannel(), config, 8);

        assertThat(result.scheduled()).isEqualTo(10);
        assertThat(result.errors()).isEqualTo(10);
        assertThat(result.completed()).isZero();
    }

    private static int freePort() throws java.io.IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
