package io.trellis.node.inpod;

import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The production {@link PodListenerFactory}: one {@link PodListeners} per pod, with one
 * listener per {@link PodPort}. Traffic paths plug in as {@code childHandler(pod)}.
 */
public final class NettyPodListenerFactory implements PodListenerFactory {

    /** Captured outbound traffic (iptables REDIRECT target). */
    public static final int OUTBOUND_PORT = 15001;
    /** Captured inbound plaintext from outside the mesh. */
    public static final int INBOUND_PLAINTEXT_PORT = 15006;
    /** Inbound HBONE. */
    public static final int HBONE_PORT = 15008;

    /**
     * A port every pod gets.
     *
     * @param name what it is for ({@code outbound}, {@code inbound}, {@code hbone})
     * @param port port number inside the pod namespace
     * @param childHandler builds the handler for accepted connections of one pod (a sharable
     *        handler or an initializer). It gets the pod's namespace handle for upstream
     *        sockets ({@link PodOutboundConnector}); the handle stays valid while the pod is
     *        enrolled, and using it after removal fails cleanly instead of entering a wrong namespace
     */
    public record PodPort(String name, int port, BiFunction<PodInfo, Netns, ChannelHandler> childHandler) {}

    private final NetnsOps netnsOps;
    private final SocketOptions options;
    private final EventLoopGroup group;
    private final InetAddress bindAddress;
    private final List<PodPort> ports;

    /**
     * @param group an epoll event loop group (sockets are epoll channels)
     * @param bindAddress {@code 0.0.0.0} for IPv4 pods, {@code ::} for dual-stack
     */
    public NettyPodListenerFactory(NetnsOps netnsOps, SocketOptions options, EventLoopGroup group,
            InetAddress bindAddress, List<PodPort> ports) {
        this.netnsOps = netnsOps;
        this.options = options;
        this.group = group;
        this.bindAddress = bindAddress;
        this.ports = List.copyOf(ports);
    }

    @Override
    public PodListenerHandle open(PodInfo pod, Netns netns) throws InPodException {
        List<PodListeners.Port> perPod = ports.stream()
                .map(p -> new PodListeners.Port(p.name(), p.port(), p.childHandler().apply(pod, netns)))
                .toList();
        return PodListeners.open(netnsOps, options, netns, group, bindAddress, perPod);
    }
}
