package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enrollment socket of a node-proxy without config stays unbound, so the agent keeps its pods where they are. */
class GatedEnrollmentServerTest {

    @TempDir
    Path dir;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final FakeListenerFactory listeners = new FakeListenerFactory();
    private final InPodRegistry registry = new InPodRegistry(listeners);
    private final FakeNetnsOps netnsOps = new FakeNetnsOps();

    @AfterEach
    void stop() {
        registry.close();
        executor.shutdownNow();
    }

    @Test
    void bindsOnlyOnceReadyAndThenServes() throws Exception {
        Path socket = dir.resolve("enroll.sock");
        AtomicBoolean ready = new AtomicBoolean();
        AtomicBoolean checked = new AtomicBoolean();
        netnsOps.define(Path.of("/var/run/netns/pod-a"), 101);
        try (GatedEnrollmentServer gated = GatedEnrollmentServer.start(socket, new LinuxSeqpacketSockets(), netnsOps,
                registry, () -> {
                    checked.set(true);
                    return ready.get();
                }, executor, Duration.ofMillis(20))) {
            Await.until("the gate was checked", Duration.ofSeconds(10), checked::get);
            assertThat(gated.serving()).isFalse();
            assertThat(socket).doesNotExist();

            ready.set(true);
            Await.until("bound once ready", Duration.ofSeconds(10), gated::serving);
            try (EnrollmentClient c = EnrollmentClient.connect(socket, new LinuxSeqpacketSockets(),
                    Duration.ofSeconds(10))) {
                c.addPod(new PodInfo("a", "pod-a", "shop", "checkout"), Path.of("/var/run/netns/pod-a"));
            }
            assertThat(listeners.openUids()).containsExactly("a");
        }
        assertThat(Files.exists(socket)).as("closed and unlinked").isFalse();
    }
}
