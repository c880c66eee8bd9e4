package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.Future;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream sockets from a pod's namespace (fake namespace, loopback, no root): the returned future always
 * completes, also when handing the socket to Netty throws or the event loop is gone.
 */
class PodOutboundConnectorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final FakeNetns netns = new FakeNetns(-1, "/var/run/netns/fake", 7);
    private final MarkRecorder options = new MarkRecorder();
    private final PodOutboundConnector connector = new PodOutboundConnector(new FakeNetnsOps(), options, 42);

    @AfterEach
    void shutdown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void connectsFromTheNamespace() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<Channel> f = connector.connect(netns, new Bootstrap().group(group)
                    .handler(new ChannelInboundHandlerAdapter()), address(server), null);
            Await.until("connected", WAIT, f::isDone);
            assertThat(f.isSuccess()).as(String.valueOf(f.cause())).isTrue();
            assertThat(options.marks).containsExactly(42);
            f.getNow().close().syncUninterruptibly();
        }
    }

    @Test
    void aBootstrapThatThrowsFailsTheFutureInsteadOfLeavingItPending() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // No handler: Bootstrap.connect throws on the event loop, inside the connector's callback.
            Future<Channel> f = connector.connect(netns, new Bootstrap().group(group), address(server), null);
            Await.until("the connect future completes", WAIT, f::isDone);
            assertThat(f.isSuccess()).isFalse();
            assertThat(f.cause()).isInstanceOf(PodListenerException.class).hasMessageContaining("handler not set");
        }
    }

    @Test
    void aStoppedEventLoopFailsTheFuture() throws Exception {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<Channel> f = connector.connect(netns, new Bootstrap().group(group)
                    .handler(new ChannelInboundHandlerAdapter()), address(server), null);
            Await.until("the connect future completes", WAIT, f::isDone);
            assertThat(f.isSuccess()).isFalse();
            assertThat(f.cause()).hasMessageContaining("shutting down");
        }
    }

    private static InetSocketAddress address(ServerSocket server) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** SO_MARK needs CAP_NET_ADMIN, which this test does not assume: record the marks instead of setting them. */
    private static final class MarkRecorder implements SocketOptions {

        final List<Integer> marks = new CopyOnWriteArrayList<>();

        @Override
        public InetSocketAddress originalDestination(int fd) {
            throw new UnsupportedOperationException("not used by the connector");
        }

        @Override
        public InetSocketAddress originalDestination(int fd, InetSocketAddress localAddress) {
            throw new UnsupportedOperationException("not used by the connector");
        }

        @Override
        public void setMark(int fd, int mark) {
            marks.add(mark);
        }

        @Override
        public int mark(int fd) {
            return marks.isEmpty() ? 0 : marks.getLast();
        }

        @Override
        public void setTransparent(int fd, boolean on) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public boolean transparent(int fd) {
            return false;
        }

        @Override
        public void setReusePort(int fd, boolean on) {
            throw new UnsupportedOperationException("not used by the connector");
        }

        @Override
        public boolean reusePort(int fd) {
            return false;
        }
    }
}
