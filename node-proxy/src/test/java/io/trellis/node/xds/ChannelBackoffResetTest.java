package io.trellis.node.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.node.state.MeshStore;
import io.trellis.testkit.Await;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * With the controller unreachable, every reconnect attempt of the client resets the gRPC channel's own connect
 * backoff, so the client's backoff (capped at 30 s by default) alone decides when the controller is tried again; the
 * channel's (up to 2 minutes) would otherwise fail those attempts fast long after the controller is back. Found by the
 * 5-minute controller-down fault scenario.
 */
class ChannelBackoffResetTest {

    @Test
    void everyReconnectResetsTheChannelsBackoff() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CountingChannel channel = new CountingChannel(
                NettyChannelBuilder.forAddress("127.0.0.1", closedPort).usePlaintext().build());
        ScheduledExecutorService executor = XdsClientThread.start("xds-backoff-test");
        WorkloadXdsClient client = new WorkloadXdsClient(channel, new XdsClientConfig("node-a", Duration.ofMillis(10),
                Duration.ofMillis(50), 0.2), new MeshStore(), executor, Clock.systemUTC(), new Random(1),
                new SimpleMeterRegistry());
        try {
            client.start();
            Await.until("three reconnect attempts", Duration.ofSeconds(30), () -> channel.resets.get() >= 3);
            assertThat(client.status().state()).isNotEqualTo(XdsStatus.State.CONNECTED);
        } finally {
            XdsClientThread.stop(client, channel, executor, Duration.ofSeconds(2));
        }
        assertThat(channel.calls.get()).as("one stream per attempt, the first without a reset")
                .isGreaterThanOrEqualTo(channel.resets.get());
    }

    /** A channel that counts streams and backoff resets, delegating both. */
    private static final class CountingChannel extends ManagedChannel {
        private final ManagedChannel delegate;
        final AtomicInteger resets = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        CountingChannel(ManagedChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public void resetConnectBackoff() {
            resets.incrementAndGet();
            delegate.resetConnectBackoff();
        }

        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            calls.incrementAndGet();
            return delegate.newCall(method, options);
        }

        @Override
        public String authority() {
            return delegate.authority();
        }

        @Override
        public ManagedChannel shutdown() {
            delegate.shutdown();
            return this;
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public ManagedChannel shutdownNow() {
            delegate.shutdownNow();
            return this;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }
    }
}
