package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.api.enrollment.v1.AddPod;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.ProxyMessage;
import io.trellis.api.enrollment.v1.RemovePod;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enrollment server over a real Unix SEQPACKET socket (no root needed), with fake
 * namespaces and listeners.
 */
class EnrollmentServerTest {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final LinuxSeqpacketSockets sockets = new LinuxSeqpacketSockets();
    private final FakeListenerFactory listeners = new FakeListenerFactory();
    private final InPodRegistry registry = new InPodRegistry(listeners);
    private FakeNetnsOps netnsOps;
    private EnrollmentServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("enroll.sock");
        netnsOps = new FakeNetnsOps();
        netnsOps.define(Path.of("/var/run/netns/pod-a"), 101);
        netnsOps.define(Path.of("/var/run/netns/pod-b"), 102);
        server = EnrollmentServer.start(socket, sockets, netnsOps, registry);
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private static PodInfo pod(String uid) {
        return new PodInfo(uid, "pod-" + uid, "shop", "checkout");
    }

    private EnrollmentClient client() throws Exception {
        return EnrollmentClient.connect(socket, sockets, ACK_TIMEOUT);
    }

    @Test
    void socketIsOnlyForRoot() throws Exception {
        assertThat(Files.getPosixFilePermissions(socket)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    }

    @Test
    void addByPathIsAckedOnceListenersAreUp() throws Exception {
        try (EnrollmentClient c = client()) {
            c.addPod(pod("a"), Path.of("/var/run/netns/pod-a"));
            // The Ack came back: the listeners must already be open.
            assertThat(listeners.openUids()).containsExactly("a");
            assertThat(registry.snapshot().get("a").netnsInode()).isEqualTo(101);

            c.removePod("a");
            assertThat(listeners.openUids()).isEmpty();
        }
    }

    @Test
    void addWithNamespaceFdOverScmRights() throws Exception {
        // Any fd works with the fake; use a real netns fd (our own) as an agent would.
        try (LinuxNetnsOps real = new LinuxNetnsOps();
                Netns own = real.open(Path.of("/proc/self/ns/net"));
                EnrollmentClient c = client()) {
            c.addPod(pod("a"), own);

            assertThat(netnsOps.adoptedFds).hasSize(1);
            assertThat(netnsOps.adoptedFds.getFirst()).isNotEqualTo(own.fd()); // the kernel installed a new fd
            assertThat(registry.snapshot().get("a").netnsSource()).contains("fd from enrollment session");
        }
    }

    @Test
    void rejectionsCarryTheReasonAndKeepTheConnection() throws Exception {
        listeners.failFor.add("busy");
        try (EnrollmentClient c = client()) {
            assertThatThrownBy(() -> c.addPod(pod("x"), Path.of("/var/run/netns/gone")))
                    .isInstanceOf(EnrollmentException.class)
                    .hasMessageContaining("open(/var/run/netns/gone) failed: ENOENT")
                    .hasMessageContaining("is the pod still running?");
            assertThatThrownBy(() -> c.addPod(pod("busy"), Path.of("/var/run/netns/pod-b")))
                    .hasMessageContaining("Address already in use");
            assertThatThrownBy(() -> c.addPod(new PodInfo("", "n", "ns", "sa"), Path.of("/var/run/netns/pod-a")))
                    .hasMessageContaining("uid is required");
            assertThatThrownBy(() -> c.addPod(new PodInfo("u", "n", "ns", ""), Path.of("/var/run/netns/pod-a")))
                    .hasMessageContaining("service_account is required");
            assertThatThrownBy(() -> c.addPod(pod("rel"), Path.of("netns/pod-a")))
                    .hasMessageContaining("netns_path must be absolute");
            assertThatThrownBy(() -> c.removePod("")).hasMessageContaining("uid is required");

            c.addPod(pod("a"), Path.of("/var/run/netns/pod-a")); // still usable
        }
        assertThat(registry.snapshot()).containsOnlyKeys("a");
    }

    @Test
    void malformedFramesGetAnErrorAckAndTheConnectionSurvives() throws Exception {
        try (SeqpacketSockets.Connection raw = sockets.connect(socket)) {
            raw.receiveTimeout(ACK_TIMEOUT);

            assertThat(exchangeRaw(raw, new byte[] {1, 2})).contains("shorter than the 4-byte length prefix");
            assertThat(exchangeRaw(raw, new byte[] {0, 0, 0, 9, 1})).contains("length prefix says 9");
            assertThat(exchangeRaw(raw, new byte[] {0, 0, 0, 2, (byte) 0xff, (byte) 0xff}))
                    .contains("not an AgentMessage");
            assertThat(exchangeRaw(raw, new byte[] {0, 0, 0, 0})).contains("none of add_pod");
            assertThat(exchangeRaw(raw, new byte[EnrollmentFrames.MAX_FRAME_BYTES + 100])).contains("larger than");
            // AddPod without a path and without an fd.
            assertThat(exchangeRaw(raw, EnrollmentFrames.encode(AgentMessage.newBuilder().setAddPod(
                    AddPod.newBuilder().setUid("u").setNamespace("ns").setServiceAccount("sa")).build())))
                    .contains("must carry exactly one network namespace fd (SCM_RIGHTS), got 0");

            // And a good message afterwards is served normally.
            assertThat(exchangeRaw(raw, EnrollmentFrames.encode(AgentMessage.newBuilder().setAddPod(
                    AddPod.newBuilder().setUid("a").setNamespace("ns").setServiceAccount("sa")
                            .setNetnsPath("/var/run/netns/pod-a")).build()))).isEmpty();
        }
        assertThat(registry.snapshot()).containsOnlyKeys("a");
    }

    @Test
    void unwantedFdsAreRejectedAndClosed() throws Exception {
        try (LinuxNetnsOps real = new LinuxNetnsOps();
                Netns own = real.open(Path.of("/proc/self/ns/net"));
                SeqpacketSockets.Connection raw = sockets.connect(socket)) {
            raw.receiveTimeout(ACK_TIMEOUT);
            String nsLink = Files.readSymbolicLink(Path.of("/proc/self/fd/" + own.fd())).toString();
            long before = fdsPointingTo(nsLink);

            byte[] remove = EnrollmentFrames.encode(AgentMessage.newBuilder()
                    .setRemovePod(RemovePod.newBuilder().setUid("a")).build());
            raw.send(remove, own.fd());
            assertThat(ack(raw)).contains("RemovePod must not carry file descriptors");

            byte[] addWithPath = EnrollmentFrames.encode(AgentMessage.newBuilder().setAddPod(
                    AddPod.newBuilder().setUid("a").setNamespace("ns").setServiceAccount("sa")
                            .setNetnsPath("/var/run/netns/pod-a")).build());
            raw.send(addWithPath, own.fd());
            assertThat(ack(raw)).contains("netns_path is set, so the packet must not also carry an fd");

            raw.send(new byte[] {9}, own.fd());
            assertThat(ack(raw)).contains("malformed frame");

            // Every fd the server received was closed again.
            Await.value("open fds on " + nsLink, Duration.ofSeconds(10), () -> fdsPointingTo(nsLink),
                    n -> n == before);
            assertThat(netnsOps.adoptedFds).isEmpty();
        }
    }

    @Test
    void reconnectReplaysAndDropsPodsThatWereNotReplayed() throws Exception {
        try (EnrollmentClient c = client()) {
            c.addPod(pod("a"), Path.of("/var/run/netns/pod-a"));
            c.addPod(pod("b"), Path.of("/var/run/netns/pod-b"));
            c.snapshotComplete();
        }
        // The agent restarts: it replays only pod a.
        try (EnrollmentClient c = client()) {
            c.addPod(pod("a"), Path.of("/var/run/netns/pod-a"));
            assertThat(registry.snapshot()).containsOnlyKeys("a", "b");
            c.snapshotComplete();
        }
        assertThat(registry.snapshot()).containsOnlyKeys("a");
        assertThat(listeners.openUids()).containsExactly("a");
        assertThat(listeners.opened).hasSize(2); // a was never reopened
    }

    @Test
    void aNewConnectionReplacesTheOldOne() throws Exception {
        try (EnrollmentClient old = client(); EnrollmentClient fresh = client()) {
            fresh.addPod(pod("a"), Path.of("/var/run/netns/pod-a"));
            assertThatThrownBy(() -> old.addPod(pod("b"), Path.of("/var/run/netns/pod-b")))
                    .isInstanceOf(InPodException.class);
        }
        assertThat(registry.snapshot()).containsOnlyKeys("a");
    }

    @Test
    void clientGivesUpOnANodeProxyThatNeverAnswers() throws Exception {
        Path silent = dir.resolve("silent.sock");
        try (SeqpacketSockets.Listener listener = sockets.listen(silent);
                EnrollmentClient c = EnrollmentClient.connect(silent, sockets, Duration.ofMillis(200));
                SeqpacketSockets.Connection accepted = listener.accept()) {
            assertThatThrownBy(() -> c.removePod("a"))
                    .isInstanceOf(NativeCallException.class)
                    .hasMessageContaining("EAGAIN")
                    .hasMessageContaining("no answer within the receive timeout");
        }
    }

    @Test
    void clientExplainsAMissingNodeProxy() {
        assertThatThrownBy(() -> EnrollmentClient.connect(dir.resolve("nobody.sock"), sockets, ACK_TIMEOUT))
                .isInstanceOf(NativeCallException.class)
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("is the node-proxy running on this node?");
    }

    private static String exchangeRaw(SeqpacketSockets.Connection raw, byte[] packet) throws Exception {
        raw.send(packet, -1);
        return ack(raw);
    }

    private static String ack(SeqpacketSockets.Connection raw) throws Exception {
        SeqpacketSockets.Packet p = raw.receive(EnrollmentFrames.MAX_FRAME_BYTES);
        assertThat(p).as("an ack").isNotNull();
        ProxyMessage m = EnrollmentFrames.decodeProxy(p.data());
        return m.getAck().getError();
    }

    private static long fdsPointingTo(String target) {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(target);
                } catch (java.io.IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
