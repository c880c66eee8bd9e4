package io.trellis.node.proxy;

import io.trellis.node.state.Endpoint;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** What to do with one outbound connection, decided from the mesh state ({@link OutboundPlanner}). */
sealed interface OutboundPlan {

    /** The route label for metrics and the access log. */
    String route();

    /**
     * Open an HBONE tunnel.
     *
     * @param endpoint the service endpoint the load balancer picked (released when the connection ends), or null
     */
    record Tunnel(TunnelRequest request, @Nullable Endpoint endpoint, String route) implements OutboundPlan {}

    /** Plain TCP to {@code address} (a destination outside the mesh). */
    record Passthrough(InetSocketAddress address, @Nullable Endpoint endpoint) implements OutboundPlan {
        @Override
        public String route() {
            return "passthrough";
        }
    }

    /** Refuse the connection (reset it) for {@code reason}. */
    record Refuse(String reason, String label) implements OutboundPlan {
        @Override
        public String route() {
            return "refused";
        }
    }
}
