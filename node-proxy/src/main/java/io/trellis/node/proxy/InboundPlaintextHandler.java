package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.authz.ConnectionAttributes;
import io.trellis.node.authz.L4Authorizer;
import io.trellis.node.metrics.ConnectionLabels;
import io.trellis.node.metrics.Reporter;
import io.trellis.node.metrics.ResponseFlag;
import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.relay.Relay;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captured inbound plaintext listener (15006) of one pod: connections from clients outside the
 * mesh. Authorized without a principal (STRICT mTLS refuses them all), then relayed to the original
 * destination from inside the pod's namespace. Refusals are TCP resets.
 */
@ChannelHandler.Sharable
final class InboundPlaintextHandler extends ChannelInitializer<Channel> {

    private static final Logger LOG = LoggerFactory.getLogger(InboundPlaintextHandler.class);

    private final PodTraffic pod;
    private final MeshStore store;
    private final L4Authorizer authorizer;
    private final OriginalDestinations originalDestinations;
    private final PathMetrics metrics;
    private final Telemetry telemetry;
    private final InboundGuards.Guard guard;
    private final SourcePreservation sourcePreservation;

    InboundPlaintextHandler(PodTraffic pod, MeshStore store, L4Authorizer authorizer,
            OriginalDestinations originalDestinations, PathMetrics metrics, Telemetry telemetry,
            InboundGuards.Guard guard, SourcePreservation sourcePreservation) {
        this.telemetry = telemetry;
        this.guard = guard;
        this.sourcePreservation = sourcePreservation;
        this.pod = pod;
        this.store = store;
        this.authorizer = authorizer;
        this.originalDestinations = originalDestinations;
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!guard.admit(ch)) {
            return;
        }
        // Silent until the client or a server-first app speaks: closed at the idle deadline (slowloris).
        Runnable spoke = guard.arm(ch);
        ch.pipeline().addFirst("first-byte", new FirstActivity(m -> true, spoke));
        Connections.acceptForRelay(ch, "inbound", downstream -> accepted(downstream, spoke));
    }

    private void accepted(Channel downstream, Runnable spoke) {
        InetSocketAddress client = (InetSocketAddress) downstream.remoteAddress();
        InetSocketAddress original;
        try {
            original = originalDestinations.of(downstream);
        } catch (NativeCallException | RuntimeException e) {
            refuse(downstream, "no_original_destination", client, null, "cannot read the original destination: "
                    + e.getMessage());
            return;
        }
        if (original.equals(downstream.localAddress())) {
            refuse(downstream, "loop", client, original, "connection made to the inbound listener itself");
            return;
        }
        MeshState state = store.current();
        WorkloadInfo workload = state.workloadByUid(LocalPods.key(pod.info().namespace(), pod.info().name()));
        if (workload == null) {
            refuse(downstream, "unknown_workload", client, original, "the mesh state does not know pod "
                    + pod.info() + " yet");
            return;
        }
        AuthzDecision decision = authorizer.authorize(state, workload,
                new ConnectionAttributes(null, client.getAddress(), original.getPort()));
        Telemetry.Connection report = telemetry.open(ConnectionLabels.of(Reporter.DESTINATION,
                state.workloadByIp(client.getAddress()), null, workload, workload.identity(), null, false,
                ResponseFlag.NONE), client, original);
        if (!decision.allowed()) {
            metrics.denied(PathMetrics.Path.INBOUND_PLAINTEXT, decision);
            report.finish(ResponseFlag.AUTHORIZATION_DENIED, null, 0, 0, decision, "denied by L4 authorization");
            LOG.info("event=inbound_denied path=inbound_plaintext src={} dst={} decision=\"{}\"", client, original,
                    decision);
            Connections.reset(downstream);
            return;
        }
        pod.egress().connect(original, downstream.eventLoop(),
                sourcePreservation.sourceFor(client.getAddress(), original)).whenComplete((upstream, failure) -> {
            if (failure != null) {
                report.finish(ResponseFlag.UPSTREAM_CONNECT_FAILURE, original, 0, 0, decision, failure.getMessage());
                refuse(downstream, failure instanceof SourceAddressRefused ? "source_ip_refused" : "app_connect_failed",
                        client, original, "cannot connect to the application: " + failure.getMessage());
                return;
            }
            upstream.pipeline().addFirst("first-byte", new FirstActivity(m -> true, spoke));
            if (!downstream.isActive()) {
                upstream.close();
                report.finish(ResponseFlag.DOWNSTREAM_TERMINATION, original, 0, 0, decision, null);
                return;
            }
            metrics.opened(PathMetrics.Path.INBOUND_PLAINTEXT, "app");
            // No splice(2) yet: see OutboundForwarder.relay.
            Relay.start(downstream, upstream, null, null, false).whenComplete((r, x) -> {
                metrics.closed();
                Throwable abort = r != null ? r.abortCause() : x;
                report.finish(abort == null ? ResponseFlag.NONE : ResponseFlag.DOWNSTREAM_TERMINATION, original,
                        r == null ? 0 : r.bytesAtoB(), r == null ? 0 : r.bytesBtoA(), decision,
                        abort == null ? null : String.valueOf(abort.getMessage()));
            });
        });
    }

    private void refuse(Channel downstream, String label, InetSocketAddress client,
            @org.jspecify.annotations.Nullable InetSocketAddress original, String reason) {
        metrics.failed(PathMetrics.Path.INBOUND_PLAINTEXT, label);
        LOG.info("event=inbound_refused path=inbound_plaintext pod={} src={} dst={} reason=\"{}\"", pod.info().uid(),
                client, original, reason);
        Connections.reset(downstream);
    }
}
