package io.trellis.node.proxy;

import java.net.InetSocketAddress;

/**
 * The kernel refused to connect from a client's address toward the app (IP_TRANSPARENT needs
 * CAP_NET_ADMIN in the pod's namespace, and the address must be bindable there).
 */
final class SourceAddressRefused extends Exception {

    SourceAddressRefused(InetSocketAddress app, InetSocketAddress source, Throwable cause) {
        super("cannot connect to the app at " + app + " from the client's address " + source.getAddress()
                .getHostAddress() + " (source-IP preservation, IP_TRANSPARENT): " + cause.getMessage()
                + "; the node-proxy needs CAP_NET_ADMIN, or start it with --preserve-source-ip=false", cause);
    }
}
