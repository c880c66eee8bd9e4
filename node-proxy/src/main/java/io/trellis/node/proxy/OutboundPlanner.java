package io.trellis.node.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.node.state.Destination;
import io.trellis.node.state.Endpoint;
import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.ServiceEndpoints;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Turns a captured destination into an {@link OutboundPlan}: a workload in the mesh is reached by
 * HBONE at {@code podIP:15008} expecting its identity; a service VIP gets one endpoint from the load
 * balancer (then as a workload, or plain TCP for an endpoint outside the mesh); a service or workload
 * bound to a waypoint goes by HBONE to the waypoint with the original VIP:port (or IP:port) as
 * authority and the waypoint's identity expected; anything else is passed through in plain TCP.
 * Whether a tunnel to a pod on this very node can skip HBONE is decided afterwards ({@link SameNodePath}).
 */
final class OutboundPlanner {

    private final LoadBalancer loadBalancer;
    private final EndpointHealth health;
    private final AtomicInteger nextReplica = new AtomicInteger();

    OutboundPlanner(LoadBalancer loadBalancer, EndpointHealth health) {
        this.loadBalancer = loadBalancer;
        this.health = health;
    }

    /**
     * @param source the identity the tunnel is opened as (the source pod's service account)
     * @param client the application's address, sent in {@code forwarded}
     * @param sourceWorkload the source pod as the mesh knows it (for baggage), or null
     */
    OutboundPlan plan(MeshState state, SpiffeId source, @Nullable WorkloadInfo sourceWorkload,
            InetSocketAddress client, InetSocketAddress original) {
        return java.util.Objects.requireNonNull(plan(state, source, sourceWorkload, client, original, Set.of()));
    }

    /**
     * As {@link #plan(MeshState, SpiffeId, WorkloadInfo, InetSocketAddress, InetSocketAddress)}, for a retry: a
     * Service endpoint whose address is in {@code tried} is not picked again (null when none is left). Ejected
     * endpoints are avoided unless every one left is ejected.
     */
    @Nullable OutboundPlan plan(MeshState state, SpiffeId source, @Nullable WorkloadInfo sourceWorkload,
            InetSocketAddress client, InetSocketAddress original, Set<InetSocketAddress> tried) {
        String baggage = sourceWorkload == null ? null : Baggage.of(sourceWorkload);
        return switch (state.destinationFor(original)) {
            case Destination.MeshWorkload w -> new OutboundPlan.Tunnel(
                    new TunnelRequest(source, w.identity(), w.hbone(), original, client, baggage, null), null, "hbone",
                    new OutboundPlan.Target(w.workload(), null, w.identity()));
            case Destination.ViaWaypoint w -> {
                List<InetSocketAddress> replicas = rotated(w.waypoint().replicas());
                yield new OutboundPlan.Tunnel(
                        new TunnelRequest(source, w.waypoint().identity(), replicas.getFirst(), original, client,
                                baggage, null), null, "waypoint",
                        new OutboundPlan.Target(w.workload(), w.service(), w.waypoint().identity()),
                        replicas.subList(1, replicas.size()));
            }
            case Destination.Passthrough p -> new OutboundPlan.Passthrough(original, null,
                    new OutboundPlan.Target(p.workload(), null, null));
            case Destination.Service s -> {
                List<Endpoint> left = s.endpoints().endpoints().stream()
                        .filter(x -> !tried.contains(x.address())).toList();
                if (!tried.isEmpty() && left.isEmpty()) {
                    yield null;
                }
                List<Endpoint> usable = health.usable(left, Endpoint::address);
                Endpoint e = loadBalancer.pick(usable.size() == s.endpoints().endpoints().size() ? s.endpoints()
                        : new ServiceEndpoints(s.endpoints().key(), s.endpoints().service(), s.endpoints().port(),
                                usable));
                if (e == null) {
                    yield new OutboundPlan.Refuse("service " + s.endpoints().key() + " has no healthy endpoint",
                            "no_healthy_endpoint", new OutboundPlan.Target(null, s.endpoints().service(), null));
                }
                if (!e.hbone()) {
                    yield new OutboundPlan.Passthrough(e.address(), e,
                            new OutboundPlan.Target(e.workload(), s.endpoints().service(), null));
                }
                InetSocketAddress hbone = new InetSocketAddress(e.address().getAddress(), MeshState.HBONE_PORT);
                yield new OutboundPlan.Tunnel(new TunnelRequest(source, e.workload().identity(), hbone, e.address(),
                        client, baggage, null), e, "hbone",
                        new OutboundPlan.Target(e.workload(), s.endpoints().service(), e.workload().identity()));
            }
        };
    }

    /**
     * A waypoint's replicas starting at the next one in turn: new connections are spread round-robin, and the
     * others follow in order as fallbacks.
     */
    private List<InetSocketAddress> rotated(List<InetSocketAddress> replicas) {
        if (replicas.size() == 1) {
            return replicas;
        }
        int start = Math.floorMod(nextReplica.getAndIncrement(), replicas.size());
        List<InetSocketAddress> out = new ArrayList<>(replicas.size());
        for (int i = 0; i < replicas.size(); i++) {
            out.add(replicas.get((start + i) % replicas.size()));
        }
        // Ejected replicas go last: still fallbacks, but no longer first for their share of connections.
        List<InetSocketAddress> usable = health.usable(out, a -> a);
        if (usable.size() < out.size()) {
            List<InetSocketAddress> ordered = new ArrayList<>(usable);
            out.stream().filter(a -> !usable.contains(a)).forEach(ordered::add);
            return ordered;
        }
        return out;
    }

    /** The addresses of the endpoints behind {@code original} when it is a Service VIP (the ejection group). */
    static List<InetSocketAddress> serviceGroup(MeshState state, InetSocketAddress original) {
        return state.destinationFor(original) instanceof Destination.Service s
                ? s.endpoints().endpoints().stream().map(Endpoint::address).toList() : List.of();
    }

    /** The connection to a picked endpoint ended (or never started). */
    void release(@Nullable Endpoint endpoint) {
        if (endpoint != null) {
            loadBalancer.release(endpoint);
        }
    }
}
