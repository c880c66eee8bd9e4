package io.trellis.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.BootstrapConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.PodOutboundConnector;
import java.net.InetSocketAddress;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Dials from inside one pod's network namespace with the capture mark, so the connection carries the
 * pod's IP (or, asked for, a client's IP through IP_TRANSPARENT) and the pod's capture rules let it out
 * instead of redirecting it back to 15001.
 */
final class PodDialer implements Dialer {

    private final PodOutboundConnector connector;
    private final Netns netns;

    PodDialer(PodOutboundConnector connector, Netns netns) {
        this.connector = connector;
        this.netns = netns;
    }

    @Override
    public Future<Channel> dial(Bootstrap bootstrap, InetSocketAddress address, @Nullable InetSocketAddress source) {
        Future<Channel> f = connector.connect(netns, withoutChannelFactory(bootstrap), address, source);
        if (source == null) {
            return f;
        }
        // Name the cause: a bare EPERM or "cannot assign requested address" does not say what was tried.
        Promise<Channel> named = bootstrap.config().group().next().newPromise();
        f.addListener(x -> {
            if (x.isSuccess()) {
                named.trySuccess(f.getNow());
            } else {
                named.tryFailure(new SourceAddressRefused(address, source, x.cause()));
            }
        });
        return named;
    }

    /**
     * The same bootstrap minus its channel class: the connector supplies the socket it created in the
     * pod, and a Bootstrap refuses a second channel factory (an exception that would otherwise surface
     * only as a connect that never completes).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Bootstrap withoutChannelFactory(Bootstrap bootstrap) {
        BootstrapConfig config = bootstrap.config();
        Bootstrap copy = new Bootstrap().group(config.group()).handler(config.handler());
        for (Map.Entry<ChannelOption<?>, Object> e : config.options().entrySet()) {
            copy.option((ChannelOption) e.getKey(), e.getValue());
        }
        for (Map.Entry<AttributeKey<?>, Object> e : config.attrs().entrySet()) {
            copy.attr((AttributeKey) e.getKey(), e.getValue());
        }
        return copy;
    }
}
