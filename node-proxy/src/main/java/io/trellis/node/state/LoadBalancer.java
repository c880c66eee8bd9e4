package io.trellis.node.state;

import org.jspecify.annotations.Nullable;

/**
 * Picks the endpoint of a service port for a new connection. Safe to call from any event loop: no locks, no
 * blocking.
 */
public interface LoadBalancer {

    /** An endpoint for a new connection, or null when the service port has no healthy endpoint. */
    @Nullable Endpoint pick(ServiceEndpoints endpoints);

    /** The connection to an endpoint {@link #pick} returned has closed (or failed to open). */
    void release(Endpoint endpoint);

    static LoadBalancer roundRobin() {
        return new RoundRobin();
    }

    static LoadBalancer leastConnections() {
        return new LeastConnections();
    }
}
