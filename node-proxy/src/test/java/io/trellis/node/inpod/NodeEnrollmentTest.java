package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's persistent enrollment against real node-proxy enrollment servers on a real Unix socket (no root):
 * a node-proxy started beside the old one, or after a crash, gets the whole pod set replayed; pods not in the set
 * are dropped; the old process leaves the new one's socket file alone.
 */
class NodeEnrollmentTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(50);
    /** Our own namespace: a real netns file any user may open, standing in for each pod's. */
    private static final Path NETNS = Path.of("/proc/self/ns/net");

    @TempDir
    Path dir;

    private final LinuxSeqpacketSockets sockets = new LinuxSeqpacketSockets();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LinuxNetnsOps netnsOps;
    private Path socket;

    /** One node-proxy process's enrollment side: its server, its registry and its (fake) listeners. */
    private record Proxy(EnrollmentServer server, InPodRegistry registry, FakeListenerFactory listeners) {
        void exit() {
            server.close();
            registry.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        netnsOps = new LinuxNetnsOps();
        socket = dir.resolve("enroll.sock");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        netnsOps.close();
    }

    private Proxy proxy() throws Exception {
        FakeListenerFactory listeners = new FakeListenerFactory();
        InPodRegistry registry = new InPodRegistry(listeners);
        EnrollmentServer server = EnrollmentServer.start(socket, sockets, netnsOps, registry);
        toClose.add(registry);
        toClose.add(server);
        return new Proxy(server, registry, listeners);
    }

    private NodeEnrollment enrollment() {
        NodeEnrollment e = NodeEnrollment.start(socket, sockets, netnsOps, WAIT, POLL);
        toClose.add(e);
        return e;
    }

    private static PodInfo pod(String uid) {
        return new PodInfo(uid, "pod-" + uid, "shop", "checkout");
    }

    @Test
    void aNodeProxyStartedBesideTheOldOneGetsEveryPodAndTheOldOneLeavesItsSocketAlone() throws Exception {
        Proxy old = proxy();
        NodeEnrollment agent = enrollment();
        agent.add(pod("a"), NETNS);
        agent.add(pod("b"), NETNS);
        assertThat(old.listeners().openUids()).containsExactly("a", "b");
        long replays = agent.replays();

        Proxy next = proxy(); // unlinks the old socket file and binds its own
        assertThat(agent.awaitReplay(replays, WAIT)).as("replayed into the new node-proxy").isTrue();
        assertThat(next.listeners().openUids()).containsExactly("a", "b");
        // The old process keeps serving until it is told to stop: both have listeners now.
        assertThat(old.listeners().openUids()).containsExactly("a", "b");

        old.exit();
        assertThat(socket).as("the old process must not unlink the new one's socket").exists();
        agent.add(pod("c"), NETNS);
        assertThat(next.listeners().openUids()).containsExactly("a", "b", "c");
        assertThat(agent.replays()).isEqualTo(replays + 1);
    }

    @Test
    void aCrashedNodeProxyIsReplacedAndGetsTheSetReplayed() throws Exception {
        Proxy first = proxy();
        NodeEnrollment agent = enrollment();
        agent.add(pod("a"), NETNS);
        long replays = agent.replays();

        first.exit(); // gone, socket file and all
        Await.until("the agent noticed", WAIT, () -> !Files.exists(socket));
        Proxy second = proxy();
        assertThat(agent.awaitReplay(replays, WAIT)).isTrue();
        assertThat(second.listeners().openUids()).containsExactly("a");
        assertThat(second.registry().snapshot()).containsOnlyKeys("a");
    }

    @Test
    void aNodeProxyThatDropsTheSessionIsReconnectedTo() throws Exception {
        Proxy proxy = proxy();
        NodeEnrollment agent = enrollment();
        agent.add(pod("a"), NETNS);
        long replays = agent.replays();
        // Another client takes the session over (the server serves one at a time): ours is closed under us.
        try (EnrollmentClient intruder = EnrollmentClient.connect(socket, sockets, WAIT)) {
            assertThat(agent.awaitReplay(replays, WAIT)).isTrue();
        }
        assertThat(proxy.registry().snapshot()).containsOnlyKeys("a");
    }

    @Test
    void podsOutsideTheSetAreDroppedAndRemovedPodsAreNotReplayed() throws Exception {
        Proxy old = proxy();
        try (EnrollmentClient once = EnrollmentClient.connect(socket, sockets, WAIT)) {
            once.addPod(pod("stale"), NETNS);
        }
        NodeEnrollment agent = enrollment();
        agent.add(pod("a"), NETNS);
        agent.add(pod("b"), NETNS);
        assertThat(old.listeners().openUids()).as("an agent that has not listed its pods yet drops nothing")
                .containsExactly("a", "b", "stale");
        agent.replaceAll(List.of(new NodeEnrollment.Pod(pod("a"), NETNS), new NodeEnrollment.Pod(pod("b"), NETNS)));
        assertThat(old.listeners().openUids()).as("the listed set is the whole set").containsExactly("a", "b");
        agent.remove("b");
        assertThat(old.listeners().openUids()).containsExactly("a");
        long replays = agent.replays();

        Proxy next = proxy();
        assertThat(agent.awaitReplay(replays, WAIT)).isTrue();
        assertThat(next.registry().snapshot()).containsOnlyKeys("a");
        assertThat(agent.pods()).containsOnlyKeys("a");
    }

    @Test
    void aPodWhoseNamespaceIsGoneIsSkippedWithoutBlockingTheOthers() throws Exception {
        Proxy proxy = proxy();
        NodeEnrollment agent = enrollment();
        agent.replaceAll(List.of(new NodeEnrollment.Pod(pod("a"), NETNS),
                new NodeEnrollment.Pod(pod("gone"), dir.resolve("no-such-netns"))));
        assertThat(proxy.registry().snapshot().keySet()).isEqualTo(Set.of("a"));
        assertThatThrownBy(() -> agent.add(pod("late"), dir.resolve("no-such-netns")))
                .isInstanceOf(NativeCallException.class).hasMessageContaining("no-such-netns");
        assertThat(agent.ensureConnected()).as("a pod's missing namespace does not cost the connection").isTrue();
    }

    @Test
    void withoutANodeProxyAnAddFailsClearlyAndTheSetWaitsForOne() throws Exception {
        NodeEnrollment agent = enrollment();
        assertThatThrownBy(() -> agent.add(pod("a"), NETNS)).isInstanceOf(NativeCallException.class)
                .hasMessageContaining("is the node-proxy running on this node?");
        assertThat(agent.ensureConnected()).isFalse();
        assertThat(agent.pods()).isEmpty();
        assertThatThrownBy(() -> agent.replaceAll(List.of(new NodeEnrollment.Pod(pod("a"), NETNS))))
                .isInstanceOf(NativeCallException.class);
        assertThat(agent.pods()).as("kept for the node-proxy to come").containsOnlyKeys("a");
        long replays = agent.replays();
        assertThat(replays).isZero();
        Proxy proxy = proxy();
        assertThat(agent.awaitReplay(replays, WAIT)).isTrue();
        assertThat(proxy.registry().snapshot()).containsOnlyKeys("a");
    }
}
