package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InPodRegistryTest {

    private final FakeListenerFactory listeners = new FakeListenerFactory();
    private final InPodRegistry registry = new InPodRegistry(listeners);

    @AfterEach
    void close() {
        registry.close();
    }

    private static PodInfo pod(String uid) {
        return new PodInfo(uid, "pod-" + uid, "default", "sa-" + uid);
    }

    @Test
    void addOpensListenersAndPublishesSnapshot() {
        FakeNetns ns = new FakeNetns(-1, "/var/run/netns/a", 11);
        registry.add(pod("a"), ns).join();

        assertThat(listeners.openUids()).containsExactly("a");
        assertThat(registry.snapshot()).containsOnlyKeys("a");
        assertThat(registry.snapshot().get("a").netnsInode()).isEqualTo(11);
        assertThat(registry.snapshot().get("a").info().serviceAccount()).isEqualTo("sa-a");
        assertThat(ns.isClosed()).isFalse();
    }

    @Test
    void readdWithSameNamespaceKeepsListenersAndClosesTheNewHandle() {
        FakeNetns first = new FakeNetns(-1, "p1", 11);
        FakeNetns again = new FakeNetns(-1, "p1-again", 11);
        registry.add(pod("a"), first).join();
        registry.add(pod("a"), again).join();

        assertThat(listeners.opened).hasSize(1);
        assertThat(listeners.closed).isEmpty();
        assertThat(again.isClosed()).isTrue();
        assertThat(first.isClosed()).isFalse();
    }

    @Test
    void readdWithNewNamespaceMovesListeners() {
        FakeNetns old = new FakeNetns(-1, "old", 11);
        FakeNetns fresh = new FakeNetns(-1, "new", 12);
        registry.add(pod("a"), old).join();
        registry.add(pod("a"), fresh).join();

        assertThat(listeners.opened).extracting(FakeListenerFactory.Opened::inode).containsExactly(11L, 12L);
        assertThat(listeners.closed).extracting(FakeListenerFactory.Opened::inode).containsExactly(11L);
        assertThat(old.isClosed()).isTrue();
        assertThat(fresh.isClosed()).isFalse();
        assertThat(registry.snapshot().get("a").netnsInode()).isEqualTo(12);
    }

    @Test
    void removeClosesListenersAndNamespace() {
        FakeNetns ns = new FakeNetns(-1, "a", 11);
        registry.add(pod("a"), ns).join();

        assertThat(registry.remove("a").join()).isTrue();
        assertThat(registry.remove("a").join()).isFalse();
        assertThat(listeners.openUids()).isEmpty();
        assertThat(ns.isClosed()).isTrue();
        assertThat(registry.snapshot()).isEmpty();
    }

    @Test
    void failedListenersLeaveNoTraceAndCloseTheNamespace() {
        listeners.failFor.add("bad");
        FakeNetns ns = new FakeNetns(-1, "bad", 13);

        assertThatThrownBy(() -> registry.add(pod("bad"), ns).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(PodListenerException.class).hasMessageContaining("Address already in use");
        assertThat(ns.isClosed()).isTrue();
        assertThat(registry.snapshot()).isEmpty();
    }

    @Test
    void replayDropsPodsThatWereNotReplayed() {
        FakeNetns a = new FakeNetns(-1, "a", 1);
        FakeNetns b = new FakeNetns(-1, "b", 2);
        FakeNetns c = new FakeNetns(-1, "c", 3);
        registry.add(pod("a"), a).join();
        registry.add(pod("b"), b).join();
        registry.add(pod("c"), c).join();

        registry.beginReplay().join();
        registry.add(pod("a"), new FakeNetns(-1, "a", 1)).join();
        registry.add(pod("d"), new FakeNetns(-1, "d", 4)).join();
        assertThat(registry.snapshot()).containsOnlyKeys("a", "b", "c", "d"); // nothing dropped before the end
        assertThat(registry.completeReplay().join()).containsExactlyInAnyOrder("b", "c");

        assertThat(registry.snapshot()).containsOnlyKeys("a", "d");
        assertThat(listeners.openUids()).containsExactly("a", "d");
        assertThat(b.isClosed()).isTrue();
        assertThat(c.isClosed()).isTrue();
        assertThat(a.isClosed()).isFalse();
        // Replayed pods kept their original listeners: no interruption for their traffic.
        assertThat(listeners.opened).extracting(o -> o.pod().uid()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void removeDuringReplayIsNotResurrectedAndCompleteWithoutReplayIsHarmless() {
        registry.add(pod("a"), new FakeNetns(-1, "a", 1)).join();
        assertThat(registry.completeReplay().join()).isEmpty();
        assertThat(registry.snapshot()).containsOnlyKeys("a");

        registry.beginReplay().join();
        registry.remove("a").join();
        assertThat(registry.completeReplay().join()).isEmpty();
        assertThat(registry.snapshot()).isEmpty();
    }

    @Test
    void closeReleasesEverythingAndRejectsLaterCommands() {
        FakeNetns a = new FakeNetns(-1, "a", 1);
        registry.add(pod("a"), a).join();
        registry.close();

        assertThat(a.isClosed()).isTrue();
        assertThat(listeners.openUids()).isEmpty();
        FakeNetns late = new FakeNetns(-1, "late", 2);
        assertThatThrownBy(() -> registry.add(pod("late"), late).join())
                .cause().hasMessageContaining("shutting down");
        assertThat(late.isClosed()).isTrue();
    }

    @Test
    void stopAcceptingClosesListenersButKeepsNamespacesForTheDrain() {
        FakeNetns a = new FakeNetns(-1, "a", 1);
        registry.add(pod("a"), a).join();

        assertThat(registry.stopAccepting().join()).isEqualTo(1);
        assertThat(listeners.openUids()).as("no new connections reach this process").isEmpty();
        assertThat(a.isClosed()).as("connections being set up still open upstream sockets in the pod").isFalse();
        assertThat(listeners.closed).as("the pod's connection pool stays for the drain").isEmpty();
        assertThat(registry.snapshot()).containsOnlyKeys("a");
        FakeNetns late = new FakeNetns(-1, "late", 2);
        assertThatThrownBy(() -> registry.add(pod("late"), late).join()).cause().hasMessageContaining("draining");
        assertThat(late.isClosed()).isTrue();
        assertThat(listeners.openUids()).isEmpty();

        registry.close();
        assertThat(a.isClosed()).isTrue();
        assertThat(listeners.closed).hasSize(1);
    }

    @Test
    void listenersMigrationIsNotWrittenOutsideThePodsNamespace() throws Exception {
        // A fake namespace leaves the thread in the host's: the host's setting must stay as it is.
        java.nio.file.Path sysctl = java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
        String before = java.nio.file.Files.exists(sysctl) ? java.nio.file.Files.readString(sysctl) : "";
        ListenerMigration.enableIfInside(new FakeNetns(-1, "fake", 12345));
        String after = java.nio.file.Files.exists(sysctl) ? java.nio.file.Files.readString(sysctl) : "";
        assertThat(after).isEqualTo(before);
    }

    @Test
    void anAddWaitsForThePodsWarmupBeforeItsListenersOpen() {
        java.util.concurrent.CompletableFuture<Void> certificate = new java.util.concurrent.CompletableFuture<>();
        try (InPodRegistry warming = new InPodRegistry(listeners, pod -> certificate, java.time.Duration.ofMinutes(1))) {
            java.util.concurrent.CompletableFuture<Void> added = warming.add(pod("a"), new FakeNetns(-1, "a", 1));
            // Another pod's commands are not held up meanwhile.
            assertThat(warming.remove("other").join()).isFalse();
            assertThat(added).isNotDone();
            assertThat(listeners.openUids()).as("no traffic before the certificate").isEmpty();

            certificate.complete(null);
            added.join();
            assertThat(listeners.openUids()).containsExactly("a");
            assertThat(certificate).as("the shared warmup future is left as it was").isCompletedWithValue(null);
        }
    }

    @Test
    void aWarmupThatDoesNotFinishInTimeDelaysThePodButLetsItIn() {
        java.util.concurrent.CompletableFuture<Void> never = new java.util.concurrent.CompletableFuture<>();
        try (InPodRegistry warming = new InPodRegistry(listeners, pod -> never, java.time.Duration.ofMillis(50))) {
            warming.add(pod("a"), new FakeNetns(-1, "a", 1)).join();
            assertThat(listeners.openUids()).containsExactly("a");
            assertThat(never).as("a timeout here must not fail the shared future").isNotDone();
        }
    }
}
