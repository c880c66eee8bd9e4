package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.trellis.identity.SpiffeId;
import io.trellis.node.metrics.ConnectionLabels;
import io.trellis.node.metrics.Reporter;
import io.trellis.node.metrics.ResponseFlag;
import io.trellis.node.state.Endpoint;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.relay.RelayResult;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound path shared by the captured listener (15001) and the SOCKS5 entry: plan from the
 * current mesh state, open the upstream (HBONE tunnel or plain TCP), relay, and report the connection
 * (source-reported {@code istio_tcp_*} and one access-log record) when it ends. For a Service VIP, an endpoint that
 * fails to connect ({@link ConnectFailures#endpointAtFault}) is counted against it ({@link EndpointHealth}) and up to
 * {@link #MAX_RETRIES} other endpoints are tried; the relay has not started then, so the client has seen nothing.
 */
final class OutboundForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundForwarder.class);

    /** An upstream ready for a relay. */
    record Upstream(Channel channel, OutboundPlan plan, Telemetry.Connection telemetry) {}

    private final MeshStore store;
    private final OutboundPlanner planner;
    private final PathMetrics metrics;
    private final Telemetry telemetry;
    /** Other endpoints tried after the first one failed to connect (a Service VIP only). */
    static final int MAX_RETRIES = 2;

    private final SameNodePath sameNode;
    private final EndpointHealth health;

    OutboundForwarder(MeshStore store, OutboundPlanner planner, PathMetrics metrics, Telemetry telemetry,
            SameNodePath sameNode, EndpointHealth health) {
        this.sameNode = sameNode;
        this.health = health;
        this.store = store;
        this.planner = planner;
        this.metrics = metrics;
        this.telemetry = telemetry;
    }

    /**
     * Opens the upstream for a connection from {@code client} to {@code original}. Completes on the
     * downstream's event loop; fails with {@link OutboundRefused} (planned refusal) or the tunnel's or
     * socket's error.
     *
     * @param sourceKey the source pod's {@code <namespace>/<name>}, or null (SOCKS5)
     */
    CompletableFuture<Upstream> open(PathMetrics.Path path, Egress egress, SpiffeId source,
            @Nullable String sourceKey, Channel downstream, InetSocketAddress client, InetSocketAddress original) {
        MeshState state = store.current();
        WorkloadInfo sourceWorkload = sourceKey == null ? null : state.workloadByUid(sourceKey);
        OutboundPlan plan = sameNode.shortcut(planner.plan(state, source, sourceWorkload, client, original));
        CompletableFuture<Upstream> result = new CompletableFuture<>();
        attempt(new Attempt(path, egress, source, sourceWorkload, downstream, client, original, state, new HashSet<>()),
                plan, result);
        return result;
    }

    /** One outbound connection being set up: what a retry needs to plan again. */
    private record Attempt(PathMetrics.Path path, Egress egress, SpiffeId source, @Nullable WorkloadInfo sourceWorkload,
            Channel downstream, InetSocketAddress client, InetSocketAddress original, MeshState state,
            Set<InetSocketAddress> tried) {}

    private void attempt(Attempt a, OutboundPlan plan, CompletableFuture<Upstream> result) {
        LOG.debug("event=outbound_planned path={} src={} dst={} plan={}", a.path().label(), a.client(), a.original(),
                plan);
        CompletableFuture<Channel> upstream = switch (plan) {
            case OutboundPlan.Refuse r -> CompletableFuture.failedFuture(new OutboundRefused(r.reason(), r.label()));
            case OutboundPlan.Passthrough p -> a.egress().connect(p.address(), a.downstream().eventLoop());
            case OutboundPlan.Tunnel t -> WaypointFailover.open(a.egress().pool(), t.request(), t.fallbacks(), health);
            case OutboundPlan.SameNode n -> sameNode.open(n, a.downstream(), a.client());
        };
        upstream.whenComplete((ch, failure) -> a.downstream().eventLoop().execute(() -> {
            Endpoint endpoint = endpointOf(plan);
            if (failure == null) {
                if (endpoint != null) {
                    health.connected(endpoint.address());
                }
                result.complete(new Upstream(ch, plan, report(a, plan)));
                return;
            }
            planner.release(endpoint);
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (endpoint != null && ConnectFailures.endpointAtFault(cause)) {
                // A Service VIP: the endpoint, not the destination, failed; nothing reached the client yet.
                a.tried().add(endpoint.address());
                health.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, endpoint.address(),
                        OutboundPlanner.serviceGroup(a.state(), a.original()), String.valueOf(cause.getMessage()));
                OutboundPlan next = a.tried().size() > MAX_RETRIES ? null
                        : planner.plan(a.state(), a.source(), a.sourceWorkload(), a.client(), a.original(), a.tried());
                if (next != null && endpointOf(next) != null && a.downstream().isActive()) {
                    next = sameNode.shortcut(next);
                    metrics.retried(a.path(), plan.route());
                    LOG.info("event=outbound_retry path={} src={} dst={} failed_endpoint={} next_endpoint={} "
                            + "attempt={} reason=\"{}\"", a.path().label(), a.client(), a.original(),
                            endpoint.address(), endpointOf(next).address(), a.tried().size() + 1, cause.getMessage());
                    attempt(a, next, result);
                    return;
                }
            }
            metrics.failed(a.path(), cause instanceof OutboundRefused r ? r.label() : plan.route() + "_connect_failed");
            report(a, plan).finish(flagFor(cause), upstreamOf(plan), 0, 0, null, cause.getMessage());
            LOG.info("event=outbound_failed path={} src={} dst={} route={} attempts={} reason=\"{}\"", a.path().label(),
                    a.client(), a.original(), plan.route(), Math.max(1, a.tried().size()), cause.getMessage());
            result.completeExceptionally(cause);
        }));
    }

    /**
     * The connection's telemetry, opened once its upstream is settled: a connection retried on another endpoint is one
     * connection to the endpoint that took it.
     */
    private Telemetry.Connection report(Attempt a, OutboundPlan plan) {
        OutboundPlan.Target target = plan.target();
        return telemetry.open(ConnectionLabels.of(Reporter.SOURCE, a.sourceWorkload(), a.source(), target.workload(),
                target.principal(), target.service(),
                plan instanceof OutboundPlan.Tunnel || plan instanceof OutboundPlan.SameNode, ResponseFlag.NONE),
                a.client(), a.original());
    }

    private static ResponseFlag flagFor(Throwable cause) {
        if (cause instanceof OutboundRefused) {
            return ResponseFlag.NO_HEALTHY_UPSTREAM;
        }
        if (cause instanceof TunnelException.Rejected r && r.status() == 403) {
            return ResponseFlag.AUTHORIZATION_DENIED;
        }
        return ResponseFlag.UPSTREAM_CONNECT_FAILURE;
    }

    /** Relays {@code downstream} with {@code upstream}; reports the connection when both ends are closed. */
    void relay(PathMetrics.Path path, Channel downstream, Upstream upstream, SpiffeId source,
            InetSocketAddress client, InetSocketAddress original) {
        OutboundPlan plan = upstream.plan();
        if (!downstream.isActive()) {
            // The application gave up while the upstream was being opened.
            upstream.channel().close();
            planner.release(endpointOf(plan));
            metrics.failed(path, "downstream_closed");
            upstream.telemetry().finish(ResponseFlag.DOWNSTREAM_TERMINATION, upstreamOf(plan), 0, 0, null,
                    "the client closed before the upstream was ready");
            return;
        }
        LOG.debug("event=outbound_relay path={} src={} src_identity={} dst={} upstream={}", path.label(), client,
                source, original, upstream.channel());
        metrics.opened(path, plan.route());
        // splice(2) stays off until proxy-core's relay can splice without truncating a stream whose FIN
        // arrives with the pipe full (see proxy-core's README); copying also lets the bytes be counted.
        CompletableFuture<RelayResult> done = Relay.start(downstream, upstream.channel(), null, null, false);
        done.whenComplete((r, failure) -> {
            metrics.closed();
            planner.release(endpointOf(plan));
            Throwable abort = r != null ? r.abortCause() : failure;
            upstream.telemetry().finish(abort == null ? ResponseFlag.NONE : ResponseFlag.UPSTREAM_TERMINATION,
                    upstreamOf(plan), r == null ? 0 : r.bytesAtoB(), r == null ? 0 : r.bytesBtoA(), null,
                    abort == null ? null : String.valueOf(abort.getMessage()));
        });
    }

    private static @Nullable InetSocketAddress upstreamOf(OutboundPlan plan) {
        return switch (plan) {
            case OutboundPlan.Tunnel t -> t.request().hboneAddress();
            case OutboundPlan.SameNode n -> n.request().target();
            case OutboundPlan.Passthrough p -> p.address();
            case OutboundPlan.Refuse r -> null;
        };
    }

    private static @Nullable Endpoint endpointOf(OutboundPlan plan) {
        return switch (plan) {
            case OutboundPlan.Tunnel t -> t.endpoint();
            case OutboundPlan.SameNode n -> n.endpoint();
            case OutboundPlan.Passthrough p -> p.endpoint();
            case OutboundPlan.Refuse r -> null;
        };
    }
}
