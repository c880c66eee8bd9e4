package io.trellis.node.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.node.state.Endpoint;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What to do with one outbound connection, decided from the mesh state ({@link OutboundPlanner}). */
sealed interface OutboundPlan {

    /** The route label for metrics and the access log. */
    String route();

    /** Who the connection is for, as far as the mesh knows (telemetry labels). */
    Target target();

    /**
     * The destination as the mesh knows it: any part may be unknown.
     *
     * @param principal the identity the upstream must present (HBONE), null for plain TCP
     */
    record Target(@Nullable WorkloadInfo workload, @Nullable ServiceInfo service, @Nullable SpiffeId principal) {
        static final Target UNKNOWN = new Target(null, null, null);
    }

    /**
     * Open an HBONE tunnel.
     *
     * @param endpoint  the service endpoint the load balancer picked (released when the connection ends), or null
     * @param fallbacks other HBONE addresses for the same tunnel (a waypoint's other replicas), tried in order when
     *                  opening it at {@code request.hboneAddress()} fails before the peer answered
     */
    record Tunnel(TunnelRequest request, @Nullable Endpoint endpoint, String route, Target target,
                  List<InetSocketAddress> fallbacks) implements OutboundPlan {

        public Tunnel {
            fallbacks = List.copyOf(fallbacks);
        }

        /** A tunnel with nowhere else to go. */
        Tunnel(TunnelRequest request, @Nullable Endpoint endpoint, String route, Target target) {
            this(request, endpoint, route, target, List.of());
        }
    }

    /**
     * The destination pod is enrolled on this node: connect to it directly, as if the tunnel had
     * arrived ({@link SameNodePath}). {@code request} is the tunnel that would have been opened.
     */
    record SameNode(TunnelRequest request, @Nullable Endpoint endpoint, Target target) implements OutboundPlan {
        @Override
        public String route() {
            return "same_node";
        }
    }

    /** Plain TCP to {@code address} (a destination outside the mesh). */
    record Passthrough(InetSocketAddress address, @Nullable Endpoint endpoint, Target target) implements OutboundPlan {
        @Override
        public String route() {
            return "passthrough";
        }
    }

    /** Refuse the connection (reset it) for {@code reason}. */
    record Refuse(String reason, String label, Target target) implements OutboundPlan {
        @Override
        public String route() {
            return "refused";
        }
    }
}
