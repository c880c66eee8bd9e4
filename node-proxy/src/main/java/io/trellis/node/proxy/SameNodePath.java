package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.hbone.HboneRequest;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The same-node fast path: a tunnel whose destination pod is enrolled on this node skips the HBONE
 * and TLS hop to ourselves. The request is handed straight to the inbound side, which authorizes it
 * with the destination's L4 policy (the source identity is the one this node-proxy opened the
 * connection for, attested locally as the certificate would have), connects to the app from inside
 * the destination pod's namespace (from the client's IP when source preservation is on, so the app
 * and its capture rules see what a tunnel would have delivered) and reports it as destination. The
 * outbound side reports it as source; both with {@code mutual_tls}, as ztunnel does for local traffic.
 * Tunnels to a waypoint never take it: that would bypass the waypoint's L7 policy.
 */
final class SameNodePath {

    private final boolean enabled;
    private final LocalPods pods;
    private final InboundHboneHandler inbound;

    SameNodePath(boolean enabled, LocalPods pods, InboundHboneHandler inbound) {
        this.enabled = enabled;
        this.pods = pods;
        this.inbound = inbound;
    }

    /** {@code plan} turned into the fast path when it tunnels to a pod enrolled here; otherwise as it is. */
    OutboundPlan shortcut(OutboundPlan plan) {
        if (!enabled || !(plan instanceof OutboundPlan.Tunnel t) || !"hbone".equals(t.route())) {
            return plan;
        }
        WorkloadInfo destination = t.target().workload();
        if (destination == null || pods.get(destination) == null) {
            return plan;
        }
        return new OutboundPlan.SameNode(t.request(), t.endpoint(), t.target());
    }

    /** Opens the app connection of a fast-path plan; fails as a rejected tunnel would (403 when denied). */
    CompletableFuture<Channel> open(OutboundPlan.SameNode plan, Channel downstream, InetSocketAddress client) {
        TunnelRequest r = plan.request();
        InetSocketAddress from = r.forwardedFor() != null ? r.forwardedFor() : client;
        HboneRequest request = new HboneRequest(r.source(), client, r.hboneAddress(), r.target(), forwarded(from),
                r.baggage(), r.traceparent(), downstream.eventLoop());
        return inbound.open(request, PathMetrics.Path.SAME_NODE).toCompletableFuture();
    }

    /** The {@code forwarded} value a tunnel would carry for {@code client}. */
    static String forwarded(@Nullable InetSocketAddress client) {
        if (client == null) {
            return "";
        }
        String ip = client.getAddress().getHostAddress();
        return "for=\"" + (client.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + client.getPort()
                + "\"";
    }
}
