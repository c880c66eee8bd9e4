package io.trellis.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.BootstrapConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.PodOutboundConnector;
import java.net.ConnectException;
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
        Promise<Channel> named = bootstrap.config().group().next().newPromise();
        f.addListener(x -> {
            if (x.isSuccess()) {
                named.trySuccess(f.getNow());
            } else {
                named.tryFailure(withSourceContext(address, source, x.cause()));
            }
        });
        return named;
    }

    /**
     * Names what a failure with a preserved source means. The socket could not be set up or bound
     * (IP_TRANSPARENT refused, address not bindable): {@link SourceAddressRefused}, a bare EPERM or
     * "cannot assign requested address" would not say what was tried. A timeout: most likely the app's
     * replies went to the real client instead of back to us, because the pod lacks the capture rules'
     * transparent-return route. The app refusing the connection has nothing to do with the source and
     * passes unchanged.
     */
    static Throwable withSourceContext(InetSocketAddress app, InetSocketAddress source, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            ConnectTimeoutException named = new ConnectTimeoutException(cause.getMessage() + " (connecting from the "
                    + "client's address " + source.getAddress().getHostAddress() + ": the app's replies must be "
                    + "routed back to the node-proxy by the pod's transparent-return rule, `ip rule` fwmark 0x53a, "
                    + "which the node agent's capture rules install; or start the node-proxy with "
                    + "--preserve-source-ip=false)");
            named.initCause(cause);
            return named;
        }
        if (cause instanceof ConnectException) {
            return cause;
        }
        return new SourceAddressRefused(app, source, cause);
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
