package io.trellis.node.inpod;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Server sockets of one pod, created inside the pod's network namespace and served by
 * Netty epoll event loops in the proxy's own namespace.
 *
 * <p>Only the socket(2) call has to happen inside the namespace: a socket stays in the
 * namespace it was created in, so bind, listen and accept can run on any thread. That is
 * why the namespace task only constructs the Netty channel (its constructor creates the
 * socket) and sets SO_REUSEPORT, and Netty's normal bootstrap binds it afterwards.
 */
public final class PodListeners implements PodListenerHandle {

    /**
     * One port to listen on.
     *
     * @param name what the port is for, for messages ({@code outbound}, {@code inbound}, {@code hbone})
     * @param port the port (15001, 15006, 15008 in production; 0 for an ephemeral port in tests)
     * @param childHandler the handler each accepted connection gets: the traffic path
     */
    public record Port(String name, int port, ChannelHandler childHandler) {}

    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

    private final String owner;
    private final Map<String, Channel> channels;
    private final Map<String, ChannelGroup> accepted;

    private PodListeners(String owner, Map<String, Channel> channels, Map<String, ChannelGroup> accepted) {
        this.owner = owner;
        this.channels = channels;
        this.accepted = accepted;
    }

    /**
     * Opens one listener per port inside {@code netns}, all with SO_REUSEPORT (so a new
     * node-proxy can bind beside an old one during an upgrade). Blocks until bound; never
     * call from an event loop. Either every port is bound or none is left open.
     */
    public static PodListeners open(NetnsOps netnsOps, SocketOptions options, Netns netns, EventLoopGroup group,
            InetAddress bindAddress, List<Port> ports) throws InPodException {
        SocketProtocolFamily family = bindAddress instanceof Inet4Address
                ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        List<EpollServerSocketChannel> created = netnsOps.call(netns, () -> {
            List<EpollServerSocketChannel> list = new ArrayList<>();
            try {
                for (int i = 0; i < ports.size(); i++) {
                    EpollServerSocketChannel ch = new EpollServerSocketChannel(family);
                    list.add(ch);
                    options.setReusePort(ch.fd().intValue(), true);
                }
                ListenerMigration.enableIfInside(netns);
                return list;
            } catch (Exception | Error e) {
                list.forEach(PodListeners::closeUnregistered);
                throw e;
            }
        });
        Map<String, Channel> bound = new java.util.LinkedHashMap<>();
        Map<String, ChannelGroup> accepted = new java.util.LinkedHashMap<>();
        try {
            for (int i = 0; i < ports.size(); i++) {
                Port port = ports.get(i);
                EpollServerSocketChannel ch = created.get(i);
                InetSocketAddress address = new InetSocketAddress(bindAddress, port.port());
                ChannelGroup connections = new DefaultChannelGroup(port.name() + " connections",
                        GlobalEventExecutor.INSTANCE);
                accepted.put(port.name(), connections);
                ChannelFuture f = new ServerBootstrap()
                        .group(group)
                        .channelFactory((io.netty.channel.ChannelFactory<ServerChannel>) () -> ch)
                        .handler(new AcceptedConnections(connections))
                        .childHandler(port.childHandler())
                        .bind(address);
                if (!f.awaitUninterruptibly(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new PodListenerException("binding " + port.name() + " listener " + address + " in "
                            + netns.source() + " timed out after " + BIND_TIMEOUT);
                }
                if (!f.isSuccess()) {
                    throw new PodListenerException("cannot listen on " + port.name() + " " + address + " in "
                            + netns.source() + ": " + f.cause().getMessage()
                            + " (is another process without SO_REUSEPORT bound to it in the pod?)", f.cause());
                }
                bound.put(port.name(), ch);
            }
        } catch (InPodException | RuntimeException e) {
            // Bound, failed (registered, maybe still closing) and never-started channels alike.
            for (EpollServerSocketChannel ch : created) {
                if (ch.isRegistered()) {
                    ch.close().awaitUninterruptibly();
                } else {
                    closeUnregistered(ch);
                }
            }
            throw e;
        }
        return new PodListeners(netns.source(), Map.copyOf(bound), Map.copyOf(accepted));
    }

    private static void closeUnregistered(EpollServerSocketChannel ch) {
        // Never registered with a loop: closing the raw socket is all there is to do.
        try {
            ch.unsafe().closeForcibly();
        } catch (RuntimeException ignored) {
            // Best effort on an error path; the original failure is what the caller sees.
        }
    }

    /** The bound server channel for a port name given to {@link #open}. */
    public Channel channel(String name) {
        Channel ch = channels.get(name);
        if (ch == null) {
            throw new IllegalArgumentException("no listener named " + name + " (have " + channels.keySet() + ")");
        }
        return ch;
    }

    /**
     * The connections accepted on a port and still open (a group that forgets closed ones). A drain asks the HBONE
     * ones to finish: closing an HTTP/2 connection sends GOAWAY and lets its open streams end, so peers move their
     * new streams to a new connection, which the kernel gives a listener that is still open.
     */
    public ChannelGroup connections(String name) {
        ChannelGroup g = accepted.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no listener named " + name + " (have " + accepted.keySet() + ")");
        }
        return g;
    }

    /** Records each accepted connection of one listener (the server channel sees the child before it is set up). */
    private static final class AcceptedConnections extends ChannelInboundHandlerAdapter {

        private final ChannelGroup connections;

        AcceptedConnections(ChannelGroup connections) {
            this.connections = connections;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                connections.add(child);
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** All bound server channels by port name. */
    public Map<String, Channel> channels() {
        return channels;
    }

    /** Closes every listener and waits for the sockets to be released. */
    @Override
    public void close() {
        channels.values().forEach(c -> c.close().awaitUninterruptibly());
    }

    @Override
    public String toString() {
        return "PodListeners{" + owner + " " + channels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().localAddress()).collect(Collectors.joining(",")) + "}";
    }
}
