package io.trellis.waypoint.proxy;

import io.trellis.waypoint.resilience.CircuitBreakers;
import org.jspecify.annotations.Nullable;

/**
 * The circuit-breaker permits one exchange holds, as Envoy counts them: a request permit for the
 * whole exchange, and for the attempt in progress a connection permit (its upstream stream) and a
 * pending-request permit while it waits for its tunnel. Every permit taken is released exactly
 * once. Owned by the exchange's event loop.
 */
final class ExchangePermits {

    private CircuitBreakers.@Nullable Permit request;
    private CircuitBreakers.@Nullable Permit connection;
    private CircuitBreakers.@Nullable Permit pending;

    /** Takes the exchange's request permit; false when the breaker is open (nothing is held then). */
    boolean acquireRequest(CircuitBreakers breakers) {
        request = breakers.tryAcquire(CircuitBreakers.Resource.REQUESTS);
        return request != null;
    }

    /** Takes an attempt's connection and pending permits; false (holding neither) when either breaker is open. */
    boolean acquireAttempt(CircuitBreakers breakers) {
        connection = breakers.tryAcquire(CircuitBreakers.Resource.CONNECTIONS);
        pending = connection == null ? null : breakers.tryAcquire(CircuitBreakers.Resource.PENDING_REQUESTS);
        if (connection == null || pending == null) {
            releaseAttempt();
            return false;
        }
        return true;
    }

    /** The attempt has its tunnel: it no longer counts as pending. */
    void attemptConnected() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    /** The attempt is over. */
    void releaseAttempt() {
        if (connection != null) {
            connection.release();
            connection = null;
        }
        attemptConnected();
    }

    /** The exchange is over. */
    void releaseRequest() {
        if (request != null) {
            request.release();
            request = null;
        }
    }
}
