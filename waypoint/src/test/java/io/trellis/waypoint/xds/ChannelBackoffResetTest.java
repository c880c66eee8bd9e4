package io.trellis.waypoint.xds;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * With the controller unreachable, each reconnect attempt resets the gRPC channel's own connect backoff, so the
 * client's {@link XdsBackoff} alone decides when the controller is tried again (the node-proxy's xDS client was found
 * stuck behind grpc-java's 2-minute channel backoff after a 5-minute controller outage).
 */
class ChannelBackoffResetTest {

    @Test
    void everyReconnectResetsTheChannelsBackoff() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ManagedChannel real = NettyChannelBuilder.forAddress("127.0.0.1", closedPort).usePlaintext().build();
        AtomicInteger resets = new AtomicInteger();
        ManagedChannel channel = new ManagedChannel() {
            @Override
            public void resetConnectBackoff() {
                resets.incrementAndGet();
                real.resetConnectBackoff();
            }

            @Override
            public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
                return real.newCall(method, options);
            }

            @Override
            public String authority() {
                return real.authority();
            }

            @Override
            public ManagedChannel shutdown() {
                real.shutdown();
                return this;
            }

            @Override
            public boolean isShutdown() {
                return real.isShutdown();
            }

            @Override
            public boolean isTerminated() {
                return real.isTerminated();
            }

            @Override
            public ManagedChannel shutdownNow() {
                real.shutdownNow();
                return this;
            }

            @Override
            public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
                return real.awaitTermination(timeout, unit);
            }
        };
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("xds-backoff-test").factory());
        WaypointXdsClient client = new WaypointXdsClient(channel, WaypointXdsClient.nodeId("demo", "wp"), c -> { },
                executor, RandomGenerator.of("L64X128MixRandom"),
                new XdsBackoff(Duration.ofMillis(10), Duration.ofMillis(50)));
        try {
            client.start();
            Await.until("three reconnect attempts, each resetting the channel's backoff", Duration.ofSeconds(30),
                    () -> resets.get() >= 3);
        } finally {
            client.close();
            executor.shutdown();
            real.shutdownNow();
        }
    }
}
