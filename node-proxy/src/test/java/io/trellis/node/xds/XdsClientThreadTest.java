package io.trellis.node.xds;

import static io.trellis.node.xds.ControllerXds.workload;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.controller.xds.TypeUrls;
import io.trellis.node.state.MeshStore;
import io.trellis.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Stopping a client while gRPC has responses queued on its thread. Those queued callbacks own network buffers:
 * dropping them leaks the buffers, which the suite's leak check (paranoid detection, every class) reports as a
 * failure of this class. The test holds the thread busy so that a response is certainly queued when it stops.
 */
class XdsClientThreadTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void stopRunsTheResponsesGrpcAlreadyQueuedThenEndsTheThread() throws Exception {
        try (ControllerXds controller = new ControllerXds()) {
            controller.put(TypeUrls.WORKLOAD, "demo/client", workload("demo", "client", "client", "10.0.1.1"));
            controller.publish();
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", controller.port).usePlaintext()
                    .build();
            ScheduledExecutorService executor = XdsClientThread.start("xds-stop-test");
            MeshStore store = new MeshStore();
            WorkloadXdsClient client = new WorkloadXdsClient(channel, new XdsClientConfig("node-a",
                    Duration.ofMillis(20), Duration.ofMillis(200), 0.2), store, executor, Clock.systemUTC(),
                    new Random(1), new SimpleMeterRegistry());
            client.start();
            Await.until("synced", WAIT, () -> client.status().synced());

            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            executor.execute(() -> {
                busy.countDown();
                awaitQuietly(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            int before = controller.sent.size();
            for (int i = 2; i < 12; i++) {
                controller.put(TypeUrls.WORKLOAD, "demo/w" + i, workload("demo", "w" + i, "w", "10.0.2." + i));
                controller.publish();
            }
            Await.until("responses sent while the client's thread is busy", WAIT,
                    () -> controller.sent.size() > before);
            // they are queued for the busy thread once the transport has read them; give it a moment to
            Thread.sleep(200);

            Thread releaser = Thread.ofPlatform().start(() -> {
                Await.until("channel terminated", WAIT, channel::isTerminated);
                release.countDown();
            });
            XdsClientThread.stop(client, channel, executor, Duration.ofSeconds(10));
            releaser.join();

            assertThat(channel.isTerminated()).isTrue();
            assertThat(executor.isTerminated()).as("queued callbacks ran and the thread ended").isTrue();
            assertThat(client.status().state()).isEqualTo(XdsStatus.State.CLOSED);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
