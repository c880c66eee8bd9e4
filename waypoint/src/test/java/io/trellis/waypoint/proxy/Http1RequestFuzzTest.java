package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.waypoint.telemetry.AccessLog;
import io.trellis.waypoint.telemetry.RequestMetrics;
import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the waypoint's downstream HTTP/1.1 handling: arbitrary bytes from a tunnel go into
 * the pipeline {@link Http1Connection#install} builds (Netty's codec with the waypoint's header limits, expect-
 * continue, pipelining backlog, exchanges, local replies). The config binds no service, so every well-formed
 * request gets a local reply and nothing is forwarded. The oracle: no exception escapes the pipeline, no buffer
 * leaks (paranoid leak detection fails the class), and what the waypoint queues towards the client stays
 * bounded. Seeds in {@code Http1RequestFuzzTestInputs/answersOrCloses/}: GET, pipelined requests, chunked and
 * fixed bodies, Expect: 100-continue, an upgrade, oversized and malformed heads.
 */
class Http1RequestFuzzTest {

    private static final int MAX_OUTBOUND_BYTES = 1024 * 1024;
    private static final SpiffeId WAYPOINT = SpiffeId.of("cluster.local", "demo", "waypoint");
    private static EventLoopGroup group;
    private static HboneClientPool pool;
    private static ProxyContext context;

    @BeforeAll
    static void start() {
        Transport transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(1, "http1-fuzz");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // Never dialled: with no service bound, no request is forwarded.
        pool = HboneClientPool.create(HbonePoolConfig.defaults(), source -> null, group, transport, registry);
        ConfigSnapshot empty = ConfigSnapshot.build(WaypointConfig.empty(), null, System::nanoTime,
                RandomGenerator.of("L64X128MixRandom"));
        ProxySettings settings = ProxySettings.defaults(WAYPOINT);
        context = new ProxyContext(settings, pool, () -> empty, new RequestMetrics(registry),
                new AccessLog(line -> { }), io.trellis.waypoint.telemetry.Tracing.disabled(),
                new HeaderDeadlines(settings.headerReadTimeout(), settings.idleTimeout(), System::nanoTime, registry));
    }

    @AfterAll
    static void stop() {
        pool.close();
        group.shutdownGracefully().syncUninterruptibly();
    }

    @FuzzTest(maxDuration = "30s")
    void answersOrCloses(byte[] request) {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            InetSocketAddress vip = new InetSocketAddress("10.96.0.1", 80);
            ConnectionInfo conn = new ConnectionInfo(vip, SpiffeId.of("cluster.local", "front", "web"),
                    new InetSocketAddress("10.0.0.2", 15008), new InetSocketAddress("10.0.0.2", 40000), null);
            HeaderReadDeadline deadline = new HeaderReadDeadline(context, conn);
            ch.pipeline().addLast("tunnel", deadline);
            Http1Connection.install(ch, "tunnel", context, conn, deadline);
            ch.writeInbound(Unpooled.wrappedBuffer(request));
            ch.runPendingTasks();
            ch.checkException();
            long outbound = 0;
            for (Object msg : ch.outboundMessages()) {
                outbound += msg instanceof ByteBuf b ? b.readableBytes() : 0;
            }
            assertThat(outbound).as("bytes queued towards the client").isLessThan(MAX_OUTBOUND_BYTES);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
