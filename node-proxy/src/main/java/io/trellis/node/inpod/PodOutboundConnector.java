package io.trellis.node.inpod;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Opens the proxy's upstream connections from inside a pod's network namespace, so they
 * leave with the pod's source IP, and marks them with {@link CaptureMark#VALUE} so the
 * pod's capture rules let them through instead of redirecting them back to 15001.
 */
public final class PodOutboundConnector {

    private final NetnsOps netnsOps;
    private final SocketOptions options;
    private final int mark;

    public PodOutboundConnector(NetnsOps netnsOps, SocketOptions options) {
        this(netnsOps, options, CaptureMark.VALUE);
    }

    PodOutboundConnector(NetnsOps netnsOps, SocketOptions options, int mark) {
        this.netnsOps = netnsOps;
        this.options = options;
        this.mark = mark;
    }

    /**
     * Connects to {@code remote} from a socket created in {@code netns}.
     *
     * @param bootstrap carries the epoll event loop group, handler and options; it is cloned
     * @param transparentSource when not null, bind to this (foreign) source address with
     *        IP_TRANSPARENT, to preserve a client's IP towards the app (needs CAP_NET_ADMIN)
     * @return completes with the connected channel, on the channel's event loop; never
     *         blocks the caller, so it is safe to call from an event loop
     */
    public Future<Channel> connect(Netns netns, Bootstrap bootstrap, InetSocketAddress remote,
            @Nullable InetSocketAddress transparentSource) {
        EventLoop loop = bootstrap.config().group().next();
        Promise<Channel> promise = loop.newPromise();
        SocketProtocolFamily family = remote.getAddress() instanceof Inet4Address
                ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        netnsOps.submit(netns, () -> {
            EpollSocketChannel ch = new EpollSocketChannel(family);
            try {
                int fd = ch.fd().intValue();
                options.setMark(fd, mark);
                if (transparentSource != null) {
                    options.setTransparent(fd, true);
                }
                return ch;
            } catch (Exception | Error e) {
                ch.unsafe().closeForcibly();
                throw e;
            }
        }).whenComplete((ch, failure) -> {
            if (failure != null) {
                promise.tryFailure(new PodListenerException("cannot open an outbound socket in " + netns.source()
                        + " towards " + remote + ": " + failure.getMessage(), failure));
                return;
            }
            try {
                loop.execute(() -> connectOnLoop(ch, bootstrap, remote, transparentSource, promise));
            } catch (RuntimeException e) {
                // The loop is shutting down (RejectedExecutionException): nobody will register the socket.
                ch.unsafe().closeForcibly();
                promise.tryFailure(new PodListenerException("cannot connect towards " + remote
                        + ": the node-proxy's event loop is shutting down", e));
            }
        });
                return promise;
    }

    /**
     * Hands the socket to Netty. Anything this throws (an incomplete bootstrap, a rejected registration) must
     * still complete the promise: a caller waiting on it would otherwise hold its downstream connection forever.
     */
    private static void connectOnLoop(EpollSocketChannel ch, Bootstrap bootstrap, InetSocketAddress remote,
            @Nullable InetSocketAddress transparentSource, Promise<Channel> promise) {
        try {
            Bootstrap b = bootstrap.clone().channelFactory((io.netty.channel.ChannelFactory<Channel>) () -> ch);
            (transparentSource == null ? b.connect(remote) : b.connect(remote, transparentSource))
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            promise.trySuccess(ch);
                        } else {
                            promise.tryFailure(f.cause());
                        }
                    });
        } catch (RuntimeException | Error e) {
            if (ch.isRegistered()) {
                ch.close();
            } else {
                ch.unsafe().closeForcibly();
            }
            promise.tryFailure(new PodListenerException("cannot connect towards " + remote + ": " + e, e));
        }
    }
}
