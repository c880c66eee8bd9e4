package io.trellis.node.state;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * What the outbound path does with a captured connection, from its original destination
 * ({@link MeshState#destinationFor}).
 */
public sealed interface Destination {

    /** The captured original destination. */
    InetSocketAddress original();

    /**
     * A workload in the mesh addressed by its own IP: HBONE to {@code hbone} ({@code podIP:15008}), CONNECT
     * authority {@code original}, expecting {@code identity}.
     */
    record MeshWorkload(InetSocketAddress original, WorkloadInfo workload, InetSocketAddress hbone,
                        SpiffeId identity) implements Destination {}

    /**
     * A service VIP and port without a waypoint: pick one of {@code endpoints} (a load balancer), then HBONE
     * (or plain TCP for an endpoint outside the mesh) to it. No endpoints: nothing healthy to send to.
     */
    record Service(InetSocketAddress original, ServiceEndpoints endpoints) implements Destination {}

    /**
     * A service or workload bound to a waypoint: HBONE to the waypoint with CONNECT authority {@code original}
     * (the VIP:port or pod IP:port) and the waypoint's identity expected.
     *
     * @param service  the service addressed, or null when a workload was addressed by its IP
     * @param workload the workload addressed, or null when a service was
     */
    record ViaWaypoint(InetSocketAddress original, WaypointAddress waypoint, @Nullable ServiceInfo service,
                       @Nullable WorkloadInfo workload) implements Destination {}

    /**
     * Not in the mesh: plain TCP to {@code original}.
     *
     * @param workload the known workload there that is not enrolled, or null for an address the mesh does not
     *                 know
     */
    record Passthrough(InetSocketAddress original, @Nullable WorkloadInfo workload) implements Destination {}
}
