package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.UnixChannel;
import io.trellis.node.inpod.linux.LinuxSocketOptions;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pod listeners on loopback with a fake namespace (no root): binding, handlers, all-or-nothing. */
class PodListenersTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final FakeNetnsOps netnsOps = new FakeNetnsOps();
    private final LinuxSocketOptions options = new LinuxSocketOptions();
    private final FakeNetns netns = new FakeNetns(-1, "/var/run/netns/fake", 7);

    @AfterEach
    void shutdown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void opensEveryPortWithItsOwnHandlerAndReusePort() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (PodListeners listeners = PodListeners.open(netnsOps, options, netns, group, loopback, List.of(
                new PodListeners.Port("outbound", 0, new TextReplyHandler(ctx -> "out")),
                new PodListeners.Port("inbound", 0, new TextReplyHandler(ctx -> "in"))))) {

            assertThat(read(listeners.channel("outbound"))).isEqualTo("out");
            assertThat(read(listeners.channel("inbound"))).isEqualTo("in");
            assertThat(options.reusePort(((UnixChannel) listeners.channel("inbound")).fd().intValue())).isTrue();
            assertThatThrownBy(() -> listeners.channel("hbone")).hasMessageContaining("no listener named hbone");
        }
    }

    @Test
    void acceptedConnectionsAreTrackedPerPortUntilTheyClose() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (PodListeners listeners = PodListeners.open(netnsOps, options, netns, group, loopback, List.of(
                new PodListeners.Port("hbone", 0, new io.netty.channel.ChannelInboundHandlerAdapter())))) {
            InetSocketAddress at = (InetSocketAddress) listeners.channel("hbone").localAddress();
            try (Socket client = new Socket(loopback, at.getPort())) {
                io.trellis.testkit.Await.until("the connection is tracked", java.time.Duration.ofSeconds(10),
                        () -> listeners.connections("hbone").size() == 1);
                // What a drain does to HBONE connections: close them (their HTTP/2 codec sends GOAWAY first).
                listeners.connections("hbone").close().awaitUninterruptibly();
                assertThat(client.getInputStream().read()).as("closed by the listener's side").isEqualTo(-1);
                assertThat(listeners.connections("hbone").size()).as("forgotten once closed").isZero();
            }
            assertThatThrownBy(() -> listeners.connections("outbound")).hasMessageContaining("no listener named");
        }
    }

    @Test
    void aPortThatCannotBeBoundLeavesNothingOpen() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // A socket without SO_REUSEPORT holds the port: ours cannot join it.
        try (ServerSocket squatter = new ServerSocket(0, 1, loopback)) {
            int taken = squatter.getLocalPort();
            int free;
            try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
                free = probe.getLocalPort();
            }
            assertThatThrownBy(() -> PodListeners.open(netnsOps, options, netns, group, loopback, List.of(
                    new PodListeners.Port("outbound", free, new TextReplyHandler(ctx -> "")),
                    new PodListeners.Port("hbone", taken, new TextReplyHandler(ctx -> "")))))
                    .isInstanceOf(PodListenerException.class)
                    .hasMessageContaining("cannot listen on hbone")
                    .hasMessageContaining(":" + taken)
                    .hasMessageContaining("/var/run/netns/fake")
                    .hasMessageContaining("Address already in use");
            // The outbound listener that did bind was closed again: a plain bind succeeds.
            try (ServerSocket again = new ServerSocket(free, 1, loopback)) {
                assertThat(again.getLocalPort()).isEqualTo(free);
            }
        }
    }

    private static String read(io.netty.channel.Channel server) throws Exception {
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
