package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.trellis.identity.SpiffeId;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.relay.RelayResult;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound path shared by the captured listener (15001) and the SOCKS5 entry: plan from the
 * current mesh state, open the upstream (HBONE tunnel or plain TCP), relay, and write one access-log
 * line when the connection ends.
 */
final class OutboundForwarder {

    private static final Logger ACCESS = LoggerFactory.getLogger("io.trellis.node.access");
    private static final Logger LOG = LoggerFactory.getLogger(OutboundForwarder.class);

    /** An upstream ready for a relay. */
    record Upstream(Channel channel, OutboundPlan plan) {}

    private final MeshStore store;
    private final OutboundPlanner planner;
    private final PathMetrics metrics;

    OutboundForwarder(MeshStore store, OutboundPlanner planner, PathMetrics metrics) {
        this.store = store;
        this.planner = planner;
        this.metrics = metrics;
    }

    /**
     * Opens the upstream for a connection from {@code client} to {@code original}. Completes on the
     * downstream's event loop; fails with {@link OutboundRefused} (planned refusal) or the tunnel's or
     * socket's error.
     */
    CompletableFuture<Upstream> open(PathMetrics.Path path, Egress egress, SpiffeId source,
            @Nullable String sourceKey, Channel downstream, InetSocketAddress client, InetSocketAddress original) {
        MeshState state = store.current();
        WorkloadInfo sourceWorkload = sourceKey == null ? null : state.workloadByUid(sourceKey);
        OutboundPlan plan = planner.plan(state, source, sourceWorkload, client, original);
        CompletableFuture<Channel> upstream = switch (plan) {
            case OutboundPlan.Refuse r -> CompletableFuture.failedFuture(new OutboundRefused(r.reason(), r.label()));
            case OutboundPlan.Passthrough p -> egress.connect(p.address(), downstream.eventLoop());
            case OutboundPlan.Tunnel t -> egress.pool().open(t.request()).thenApply(stream -> (Channel) stream);
        };
        LOG.debug("event=outbound_planned path={} src={} dst={} plan={}", path.label(), client, original, plan);
        CompletableFuture<Upstream> result = new CompletableFuture<>();
        upstream.whenComplete((ch, failure) -> downstream.eventLoop().execute(() -> {
            if (failure != null) {
                planner.release(endpointOf(plan));
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                metrics.failed(path, cause instanceof OutboundRefused r ? r.label() : plan.route() + "_connect_failed");
                LOG.info("event=outbound_failed path={} src={} dst={} route={} reason=\"{}\"", path.label(), client,
                        original, plan.route(), cause.getMessage());
                result.completeExceptionally(cause);
            } else {
                result.complete(new Upstream(ch, plan));
            }
        }));
        return result;
    }

    /** Relays {@code downstream} with {@code upstream} and logs the connection when both ends are closed. */
    void relay(PathMetrics.Path path, Channel downstream, Upstream upstream, SpiffeId source,
            InetSocketAddress client, InetSocketAddress original) {
        if (!downstream.isActive()) {
            // The application gave up while the upstream was being opened.
            upstream.channel().close();
            planner.release(endpointOf(upstream.plan()));
            metrics.failed(path, "downstream_closed");
            return;
        }
        LOG.debug("event=outbound_relay path={} src={} dst={} upstream={}", path.label(), client, original,
                upstream.channel());
        metrics.opened(path, upstream.plan().route());
        long start = System.nanoTime();
        CompletableFuture<RelayResult> done = Relay.start(downstream, upstream.channel(), null, null, true);
        done.whenComplete((r, failure) -> {
            metrics.closed();
            planner.release(endpointOf(upstream.plan()));
            long micros = (System.nanoTime() - start) / 1000;
            if (r != null) {
                ACCESS.info("event=connection direction=outbound path={} src={} src_identity={} dst={} route={} "
                        + "upstream={} bytes_sent={} bytes_received={} duration_us={} clean={}", path.label(), client,
                        source, original, upstream.plan().route(), describe(upstream.plan()), r.bytesAtoB(),
                        r.bytesBtoA(), micros, r.clean());
            }
        });
    }

    private static String describe(OutboundPlan plan) {
        return switch (plan) {
            case OutboundPlan.Tunnel t -> t.request().hboneAddress() + "(" + t.request().destinationIdentity() + ")";
            case OutboundPlan.Passthrough p -> p.address().toString();
            case OutboundPlan.Refuse r -> "-";
        };
    }

    private static io.trellis.node.state.@Nullable Endpoint endpointOf(OutboundPlan plan) {
        return switch (plan) {
            case OutboundPlan.Tunnel t -> t.endpoint();
            case OutboundPlan.Passthrough p -> p.endpoint();
            case OutboundPlan.Refuse r -> null;
        };
    }
}
