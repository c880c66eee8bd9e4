package io.trellis.ctl;

import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.node.xds.XdsClientConfig;
import io.trellis.node.xds.XdsClientThread;
import io.trellis.node.xds.XdsStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The mesh as a node-proxy sees it: subscribes to the controller's workload xDS with the node-proxy's own client
 * and returns the first complete state (every type received once).
 */
final class MeshSnapshot {

    private MeshSnapshot() {}

    static MeshState fetch(ControllerAddress controller, Duration timeout) throws CtlException {
        ManagedChannel channel = controller.open();
        ScheduledExecutorService executor = XdsClientThread.start("trellisctl-xds");
        MeshStore store = new MeshStore();
        WorkloadXdsClient client = new WorkloadXdsClient(channel,
                XdsClientConfig.defaults("trellisctl-" + ProcessHandle.current().pid()), store, executor,
                Clock.systemUTC(), new Random(), new SimpleMeterRegistry());
        try {
            CountDownLatch synced = new CountDownLatch(1);
            store.addListener(s -> {
                if (client.status().synced()) {
                    synced.countDown();
                }
            });
            client.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            // the status flips to synced in the same step that publishes; poll it in case the publish came first
            while (!client.status().synced()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    XdsStatus s = client.status();
                    throw new CtlException("no complete workload state from the controller at " + controller.address
                            + " within " + timeout.toSeconds() + "s (client " + s.state()
                            + (s.lastNack() == null ? "" : ", last rejected update: " + s.lastNack())
                            + "): is the controller running and is --controller right?");
                }
                synced.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            }
            return store.current();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException("interrupted", e);
        } finally {
            XdsClientThread.stop(client, channel, executor, Duration.ofSeconds(2));
        }
    }
}
