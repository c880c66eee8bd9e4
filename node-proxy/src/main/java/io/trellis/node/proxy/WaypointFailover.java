package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a tunnel at its HBONE address and, when that fails before the peer answered the CONNECT, at each fallback
 * address in turn (a waypoint's other replicas). Only failures that prove the request never reached a live peer's
 * decision are retried: no TCP connection, the connection closed, or the stream reset. A peer that answered (any
 * status, say a 403 from the waypoint's policy) or presented the wrong identity is never retried elsewhere. No
 * application byte has been sent upstream at this point (the relay starts once the tunnel is open), so retrying is safe.
 * Such a failure also counts against the replica in {@link EndpointHealth} (a dead replica is ejected and planned last
 * for a while instead of being tried first for its share of connections); a tunnel opened clears it.
 */
final class WaypointFailover {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointFailover.class);

    private WaypointFailover() {
    }

    static CompletableFuture<Channel> open(HboneClientPool pool, TunnelRequest request,
            List<InetSocketAddress> fallbacks, EndpointHealth health) {
        return open(pool::open, request, fallbacks, health);
    }

    static CompletableFuture<Channel> open(Function<TunnelRequest, ? extends CompletableFuture<? extends Channel>> opener,
            TunnelRequest request, List<InetSocketAddress> fallbacks, EndpointHealth health) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        List<InetSocketAddress> group = new ArrayList<>(fallbacks.size() + 1);
        group.add(request.hboneAddress());
        group.addAll(fallbacks);
        attempt(opener, request, fallbacks, 0, result, health, List.copyOf(group));
        return result;
    }

    private static void attempt(Function<TunnelRequest, ? extends CompletableFuture<? extends Channel>> opener,
            TunnelRequest request, List<InetSocketAddress> fallbacks, int next, CompletableFuture<Channel> result,
            EndpointHealth health, List<InetSocketAddress> group) {
        CompletableFuture<? extends Channel> opening;
        try {
            opening = opener.apply(request);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        opening.whenComplete((channel, failure) -> {
            if (failure == null) {
                health.connected(request.hboneAddress());
                result.complete(channel);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            boolean neverAnswered = peerNeverAnswered(cause);
            if (neverAnswered && group.size() > 1) {
                health.connectFailed(EndpointHealth.Kind.WAYPOINT, request.hboneAddress(), group,
                        String.valueOf(cause.getMessage()));
            }
            if (next >= fallbacks.size() || !neverAnswered) {
                result.completeExceptionally(cause);
                return;
            }
            InetSocketAddress to = fallbacks.get(next);
            LOG.info("event=tunnel_failover failed={} next={} target={} reason=\"{}\"", request.hboneAddress(), to,
                    request.target(), cause.getMessage());
            attempt(opener, new TunnelRequest(request.source(), request.destinationIdentity(), to, request.target(),
                    request.forwardedFor(), request.baggage(), request.traceparent()), fallbacks, next + 1, result, health,
                    group);
        });
    }

    static boolean peerNeverAnswered(Throwable cause) {
        return cause instanceof TunnelException.ConnectFailed || cause instanceof TunnelException.Closed
                || cause instanceof TunnelException.StreamReset;
    }
}
