package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.node.inpod.linux.LinuxSocketOptions;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-pod plumbing against the real kernel: namespaces made with {@code ip netns},
 * probes from inside them with python3, a real iptables REDIRECT. Needs root; skipped otherwise.
 * All traffic stays inside the test's own namespace.
 */
class InPodNetnsRootTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestNetns pod;
    private LinuxNetnsOps ops;
    private final LinuxSocketOptions options = new LinuxSocketOptions();
    private EventLoopGroup group;

    @BeforeEach
    void setUp() throws Exception {
        TestNetns.assumeAvailable();
        pod = TestNetns.create();
        ops = new LinuxNetnsOps();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void tearDown() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (ops != null) {
            ops.close();
        }
        if (pod != null) {
            pod.close();
        }
    }

    /** Accepts and keeps connections open, so the client's socket can be inspected. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class CountingHandler extends ChannelInboundHandlerAdapter {
        private final AtomicInteger accepted;

        CountingHandler(AtomicInteger accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
            accepted.incrementAndGet();
        }
    }

    private static String token() {
        return "tenp-" + Long.toHexString(System.nanoTime());
    }

    @Test
    void setnsRunsTheTaskInThePodNamespaceAndLeavesTheCallerAlone() throws Exception {
        long home = ops.currentThreadNetnsInode();
        try (Netns ns = ops.open(pod.path())) {
            assertThat(ns.inode()).isEqualTo(pod.inode()).isNotEqualTo(home);

            long inside = ops.call(ns, ops::currentThreadNetnsInode);

            assertThat(inside).isEqualTo(pod.inode());
            assertThat(ops.currentThreadNetnsInode()).isEqualTo(home);
            // The namespace thread came back: a second task sees the pod again, not a stale state.
            assertThat(ops.call(ns, ops::currentThreadNetnsInode)).isEqualTo(pod.inode());
        }
    }

    @Test
    void aClosedHandleIsRefusedInsteadOfEnteringWhateverNowHasItsFdNumber() throws Exception {
        Netns ns = ops.open(pod.path());
        ns.close();
        assertThatThrownBy(() -> ops.call(ns, ops::currentThreadNetnsInode))
                .isInstanceOf(NativeCallException.class)
                .hasMessageContaining("the namespace handle was closed");
    }

    @Test
    void openExplainsMissingAndWrongNamespaces() {
        assertThatThrownBy(() -> ops.open(Path.of("/var/run/netns/tenp-does-not-exist")))
                .isInstanceOf(NativeCallException.class)
                .hasMessage("open(/var/run/netns/tenp-does-not-exist) failed: ENOENT (No such file or directory)"
                        + " — no such network namespace: is the pod still running?");
        assertThatThrownBy(() -> ops.open(Path.of("/proc/self/ns/uts")))
                .isInstanceOf(NativeCallException.class)
                .hasMessageContaining("not a network namespace");
    }

    @Test
    void listenerInPodNamespaceIsReachableThereAndNotInTheRootNamespace() throws Exception {
        String token = token();
        PodListeners listeners;
        try (Netns ns = ops.open(pod.path())) {
            listeners = PodListeners.open(ops, options, ns, group, InetAddress.getByName("0.0.0.0"),
                    List.of(new PodListeners.Port("outbound", 15001, new TextReplyHandler(ctx -> token))));
        }
        try {
            int fd = ((UnixChannel) listeners.channel("outbound")).fd().intValue();
            assertThat(options.reusePort(fd)).isTrue();

            assertThat(pod.probe(true, "127.0.0.1", 15001)).isEqualTo("GOT " + token);
            assertThat(pod.probe(false, "127.0.0.1", 15001)).doesNotContain(token);
        } finally {
            listeners.close();
        }
        assertThat(pod.probe(true, "127.0.0.1", 15001)).isEqualTo("REFUSED");
    }

    @Test
    void soReusePortLetsASecondListenerBindBesideTheFirst() throws Exception {
        try (Netns ns = ops.open(pod.path())) {
            InetAddress any = InetAddress.getByName("0.0.0.0");
            PodListeners old = PodListeners.open(ops, options, ns, group, any,
                    List.of(new PodListeners.Port("hbone", 15008, new TextReplyHandler(ctx -> "old"))));
            PodListeners next = PodListeners.open(ops, options, ns, group, any,
                    List.of(new PodListeners.Port("hbone", 15008, new TextReplyHandler(ctx -> "new"))));
            old.close();
            // With the old listener gone every connection lands on the new one: no refusals.
            assertThat(pod.probe(true, "127.0.0.1", 15008)).isEqualTo("GOT new");
            next.close();
        }
    }

    @ParameterizedTest(name = "listener bound to {0}")
    @ValueSource(strings = {"0.0.0.0", "::"})
    void originalDestinationOfARedirectedConnection(String bindAddress) throws Exception {
        Assumptions.assumeTrue(TestNetns.hasIptables(), "needs iptables");
        // A veth pair wholly inside the pod namespace gives 10.250.0.0/24 a route, so the
        // connect is attempted and hits the nat OUTPUT REDIRECT; nothing leaves the namespace.
        vethInPod();
        pod.exec("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "10.250.0.9", "--dport", "80",
                "-j", "REDIRECT", "--to-ports", "15001").orThrow();

        try (PodListeners listeners = originalDestinationEcho(bindAddress)) {
            // Through the dual-stack listener the IPv4 connection arrives v4-mapped: still SOL_IP.
            assertThat(pod.probe(true, "10.250.0.9", 80)).isEqualTo("GOT /10.250.0.9:80");
            // A connection made straight to the listener has no NAT: conntrack reports the
            // listener itself, which the outbound path must treat as "not captured" (a loop).
            assertThat(pod.probe(true, "127.0.0.1", 15001)).isEqualTo("GOT /127.0.0.1:15001");
        }
    }

    @Test
    void originalDestinationOfARedirectedIpv6Connection() throws Exception {
        Assumptions.assumeTrue(TestNetns.run(List.of("ip6tables", "--version")).ok(), "needs ip6tables");
        vethInPod();
        pod.exec("ip", "-6", "addr", "add", "fd00:250::1/64", "dev", "tenpa", "nodad").orThrow();
        pod.exec("ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "fd00:250::9", "--dport", "80",
                "-j", "REDIRECT", "--to-ports", "15001").orThrow();

        try (PodListeners listeners = originalDestinationEcho("::")) {
            assertThat(pod.probe(true, "fd00:250::9", 80)).isEqualTo("GOT /[fd00:250:0:0:0:0:0:9]:80");
        }
    }

    private void vethInPod() {
        pod.exec("ip", "link", "add", "tenpa", "type", "veth", "peer", "name", "tenpb").orThrow();
        pod.exec("ip", "addr", "add", "10.250.0.1/24", "dev", "tenpa").orThrow();
        pod.exec("ip", "link", "set", "tenpa", "up").orThrow();
        pod.exec("ip", "link", "set", "tenpb", "up").orThrow();
    }

    /** A 15001 listener in the pod that answers with each connection's SO_ORIGINAL_DST. */
    private PodListeners originalDestinationEcho(String bindAddress) throws Exception {
        try (Netns ns = ops.open(pod.path())) {
            return PodListeners.open(ops, options, ns, group, InetAddress.getByName(bindAddress),
                    List.of(new PodListeners.Port("outbound", 15001, new TextReplyHandler(ctx -> {
                        try {
                            int fd = ((UnixChannel) ctx.channel()).fd().intValue();
                            InetSocketAddress viaFd = options.originalDestination(fd);
                            InetSocketAddress viaLocal = options.originalDestination(fd,
                                    (InetSocketAddress) ctx.channel().localAddress());
                            return viaFd.equals(viaLocal) ? viaFd.toString() : "MISMATCH " + viaFd + " " + viaLocal;
                        } catch (NativeCallException e) {
                            return "ERROR " + e.getMessage();
                        }
                    }))));
        }
    }

    @Test
    void outboundSocketIsCreatedInThePodNamespaceWithTheCaptureMark() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (Netns ns = ops.open(pod.path())) {
            PodListeners inbound = PodListeners.open(ops, options, ns, group, InetAddress.getByName("127.0.0.1"),
                    List.of(new PodListeners.Port("inbound", 15006, new CountingHandler(accepted))));
            try {
                Bootstrap bootstrap = new Bootstrap().group(group).handler(new ChannelInboundHandlerAdapter());
                Channel ch = new PodOutboundConnector(ops, options)
                        .connect(ns, bootstrap, new InetSocketAddress("127.0.0.1", 15006), null)
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);

                // 127.0.0.1:15006 only has our listener inside the pod namespace: reaching it
                // proves the socket lives there.
                Await.until("the pod's listener accepted", WAIT, () -> accepted.get() == 1);
                int fd = ((EpollSocketChannel) ch).fd().intValue();
                assertThat(options.mark(fd)).isEqualTo(CaptureMark.VALUE).isEqualTo(0x539);
                ch.close().syncUninterruptibly();
            } finally {
                inbound.close();
            }
        }
    }

    @Test
    void transparentAndMarkOptionsReadBack() throws Exception {
        try (Netns ns = ops.open(pod.path())) {
            EpollSocketChannel ch = ops.call(ns, () -> new EpollSocketChannel(
                    io.netty.channel.socket.SocketProtocolFamily.INET6));
            try {
                int fd = ch.fd().intValue();
                assertThat(options.transparent(fd)).isFalse();
                options.setTransparent(fd, true);
                assertThat(options.transparent(fd)).isTrue();
                options.setMark(fd, 42);
                assertThat(options.mark(fd)).isEqualTo(42);
            } finally {
                ch.unsafe().closeForcibly();
            }
        }
    }

    @Test
    void enrollmentOverTheSocketWithTheNamespaceFdOpensListenersAndAcks(@TempDir Path dir) throws Exception {
        String token = token();
        NettyPodListenerFactory factory = new NettyPodListenerFactory(ops, options, group,
                InetAddress.getByName("0.0.0.0"), List.of(
                        new NettyPodListenerFactory.PodPort("outbound", NettyPodListenerFactory.OUTBOUND_PORT,
                                (p, ns) -> new TextReplyHandler(ctx -> "outbound " + p.uid() + " " + token)),
                        new NettyPodListenerFactory.PodPort("inbound", NettyPodListenerFactory.INBOUND_PLAINTEXT_PORT,
                                (p, ns) -> new TextReplyHandler(ctx -> "inbound " + p.uid())),
                        new NettyPodListenerFactory.PodPort("hbone", NettyPodListenerFactory.HBONE_PORT,
                                (p, ns) -> new TextReplyHandler(ctx -> "hbone " + p.uid()))));
        LinuxSeqpacketSockets sockets = new LinuxSeqpacketSockets();
        Path socket = dir.resolve("enroll.sock");
        try (InPodRegistry registry = new InPodRegistry(factory);
                EnrollmentServer server = EnrollmentServer.start(socket, sockets, ops, registry);
                EnrollmentClient agent = EnrollmentClient.connect(socket, sockets, WAIT)) {
            PodInfo info = new PodInfo("uid-1", "web-0", "shop", "web");
            try (Netns handle = ops.open(pod.path())) {
                agent.addPod(info, handle); // fd via SCM_RIGHTS; returns only after the Ack
            }

            assertThat(registry.snapshot().get("uid-1").netnsInode()).isEqualTo(pod.inode());
            assertThat(pod.probe(true, "127.0.0.1", 15001)).isEqualTo("GOT outbound uid-1 " + token);
            assertThat(pod.probe(true, "127.0.0.1", 15006)).isEqualTo("GOT inbound uid-1");
            assertThat(pod.probe(true, "127.0.0.1", 15008)).isEqualTo("GOT hbone uid-1");
            assertThat(pod.probe(false, "127.0.0.1", 15001)).doesNotContain(token);

            agent.snapshotComplete();
            agent.removePod("uid-1");
            assertThat(pod.probe(true, "127.0.0.1", 15001)).isEqualTo("REFUSED");
            assertThat(registry.snapshot()).isEmpty();
        }
    }
}
