package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.NetnsTask;
import io.trellis.node.inpod.PodOutboundConnector;
import io.trellis.node.inpod.SocketOptions;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * When the kernel refuses IP_TRANSPARENT, the connection to the app fails with an error that says what
 * was tried and what to do (the real connector, with the socket-option seam refusing as the kernel
 * does without CAP_NET_ADMIN).
 */
class SourceAddressRefusedTest {

    @Test
    void refusedTransparentSocketNamesTheCauseAndTheWayOut() throws Exception {
        Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "pod sockets are epoll sockets");
        EventLoopGroup group = Transport.EPOLL.newEventLoopGroup(1, "source-refused-test");
        try {
            PodDialer dialer = new PodDialer(new PodOutboundConnector(new HereNetnsOps(), new RefusingOptions()),
                    new HereNetns());
            Bootstrap b = new Bootstrap().group(group).handler(new ChannelInboundHandlerAdapter());
            Future<Channel> f = dialer.dial(b, new InetSocketAddress("127.0.0.1", 9),
                    new InetSocketAddress("10.0.1.5", 0));
            assertThat(f.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(f.cause()).isInstanceOf(SourceAddressRefused.class);
            assertThat(f.cause().getMessage()).contains("10.0.1.5", "127.0.0.1:9", "IP_TRANSPARENT", "EPERM",
                    "CAP_NET_ADMIN", "--preserve-source-ip=false");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void anAppThatRefusesIsNotBlamedOnTheSourceAndATimeoutPointsAtTheReturnRoute() {
        InetSocketAddress app = new InetSocketAddress("10.0.2.7", 8080);
        InetSocketAddress client = new InetSocketAddress("10.0.1.5", 0);
        java.net.ConnectException refused = new java.net.ConnectException("Connection refused");
        assertThat(PodDialer.withSourceContext(app, client, refused)).isSameAs(refused);
        Throwable timeout = PodDialer.withSourceContext(app, client,
                new io.netty.channel.ConnectTimeoutException("connection timed out after 10000 ms: /10.0.2.7:8080"));
        assertThat(timeout).isInstanceOf(io.netty.channel.ConnectTimeoutException.class);
        assertThat(timeout.getMessage()).contains("10.0.1.5", "transparent-return", "fwmark 0x53a",
                "--preserve-source-ip=false");
        assertThat(PodDialer.withSourceContext(app, client, new java.io.IOException(
                "bind(..) failed: Cannot assign requested address"))).isInstanceOf(SourceAddressRefused.class);
    }

    /** Runs namespace tasks on the caller's namespace: the socket is real, only setns is skipped. */
    private static final class HereNetnsOps implements NetnsOps {
        @Override
        public Netns open(Path path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Netns adopt(int fd, String source) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> CompletableFuture<T> submit(Netns netns, NetnsTask<T> task) {
            try {
                return CompletableFuture.completedFuture(task.run());
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public long currentThreadNetnsInode() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private static final class HereNetns implements Netns {
        @Override
        public int fd() {
            return -1;
        }

        @Override
        public String source() {
            return "/var/run/netns/test-pod";
        }

        @Override
        public long inode() {
            return 1;
        }

        @Override
        public void close() {}
    }

    /** Marks succeed, IP_TRANSPARENT is refused with EPERM as the kernel does without CAP_NET_ADMIN. */
    private static final class RefusingOptions implements SocketOptions {
        @Override
        public InetSocketAddress originalDestination(int fd) {
            throw new UnsupportedOperationException();
        }

        @Override
        public InetSocketAddress originalDestination(int fd, InetSocketAddress localAddress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setMark(int fd, int mark) {}

        @Override
        public int mark(int fd) {
            return 0;
        }

        @Override
        public void setTransparent(int fd, boolean on) throws NativeCallException {
            throw new NativeCallException("setsockopt(IP_TRANSPARENT, fd " + fd + ")", 1, "EPERM",
                    "Operation not permitted", "the node-proxy needs CAP_NET_ADMIN");
        }

        @Override
        public boolean transparent(int fd) {
            return false;
        }

        @Override
        public void setReusePort(int fd, boolean on) {}

        @Override
        public boolean reusePort(int fd) {
            return false;
        }
    }
}
