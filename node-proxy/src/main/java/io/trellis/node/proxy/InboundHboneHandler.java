package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.authz.ConnectionAttributes;
import io.trellis.node.authz.L4Authorizer;
import io.trellis.node.metrics.ConnectionLabels;
import io.trellis.node.metrics.Reporter;
import io.trellis.node.metrics.ResponseFlag;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.hbone.HboneHandler;
import io.trellis.proxy.core.hbone.HboneRequest;
import io.trellis.proxy.core.tls.ServerCertificates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound HBONE for every pod on this node (the HBONE server serves each pod's 15008 listener):
 * checks the CONNECT targets the pod the connection arrived at, authorizes it (L4 policy with the
 * verified peer identity), connects to the application from inside the pod's namespace (so the app
 * sees an ordinary connection from its own IP), and lets the server answer 200 and relay.
 */
final class InboundHboneHandler implements HboneHandler, ServerCertificates {

    private static final Logger LOG = LoggerFactory.getLogger(InboundHboneHandler.class);
    /** The node-proxy's own ports inside a pod: never a tunnel's target (it would loop back into us). */
    private static final Set<Integer> PROXY_PORTS = Set.of(15001, 15006, 15008);

    private final MeshStore store;
    private final LocalPods pods;
    private final WorkloadTls tls;
    private final L4Authorizer authorizer;
    private final PathMetrics metrics;
    private final Telemetry telemetry;
    private final SourcePreservation sourcePreservation;

    InboundHboneHandler(MeshStore store, LocalPods pods, WorkloadTls tls, L4Authorizer authorizer,
            PathMetrics metrics, Telemetry telemetry, SourcePreservation sourcePreservation) {
        this.telemetry = telemetry;
        this.sourcePreservation = sourcePreservation;
        this.store = store;
        this.pods = pods;
        this.tls = tls;
        this.authorizer = authorizer;
        this.metrics = metrics;
    }

    /** The certificate of the local workload that owns the address the client connected to. */
    @Override
    public @Nullable SslContext forLocalAddress(InetSocketAddress local) {
        WorkloadInfo w = store.current().workloadByIp(local.getAddress());
        if (w == null || pods.get(w) == null) {
            return null;
        }
        return tls.server(w.identity());
    }

    @Override
    public CompletionStage<Channel> open(HboneRequest request) {
        return open(request, PathMetrics.Path.INBOUND_HBONE);
    }

    /**
     * Decides and connects one request. {@code path} is {@link PathMetrics.Path#SAME_NODE} when the
     * request did not come over the network but from this node's own outbound path (the same-node fast
     * path): the source identity is then attested locally rather than by a TLS handshake, and the
     * decision, the connection and the destination-reported telemetry are the same as for a tunnel.
     */
    CompletionStage<Channel> open(HboneRequest request, PathMetrics.Path path) {
        MeshState state = store.current();
        InetAddress localIp = request.localAddress().getAddress();
        WorkloadInfo workload = state.workloadByIp(localIp);
        PodTraffic pod = workload == null ? null : pods.get(workload);
        if (workload == null || pod == null) {
            return refuse(request, path, 503, "no_local_workload", "no workload enrolled on this node owns "
                    + localIp.getHostAddress());
        }
        InetSocketAddress target = request.target();
        if (!workload.addresses().contains(target.getAddress())) {
            return refuse(request, path, 400, "target_not_local", "CONNECT target " + target + " is not an address of "
                    + workload + " (this listener serves only that workload)");
        }
        if (PROXY_PORTS.contains(target.getPort())) {
            return refuse(request, path, 400, "target_is_proxy_port", "CONNECT target port " + target.getPort()
                    + " is a node-proxy port");
        }
        InetAddress source = ForwardedFor.parse(request.forwarded());
        if (source == null) {
            source = request.peerAddress().getAddress();
        }
        AuthzDecision decision = authorizer.authorize(state, workload,
                new ConnectionAttributes(request.peer(), source, target.getPort()));
        InetSocketAddress client = new InetSocketAddress(source, forwardedPort(request));
        Telemetry.Connection report = telemetry.open(ConnectionLabels.of(Reporter.DESTINATION,
                state.workloadByIp(source), request.peer(), workload, workload.identity(), null, true,
                ResponseFlag.NONE), client, target);
        if (!decision.allowed()) {
            metrics.denied(path, decision);
            report.finish(ResponseFlag.AUTHORIZATION_DENIED, null, 0, 0, decision, "denied by L4 authorization");
            LOG.info("event=inbound_denied path={} peer={} src={} dst={} decision=\"{}\"", path.label(), request.peer(),
                    source.getHostAddress(), target, decision);
            return HboneHandler.reject(403, "denied by L4 authorization: " + decision);
        }
        return pod.egress().connect(target, request.eventLoop(), sourcePreservation.sourceFor(source, target))
                .whenComplete((ch, failure) -> {
                    if (failure != null) {
                        metrics.failed(path, failure instanceof SourceAddressRefused ? "source_ip_refused"
                                : "app_connect_failed");
                        report.finish(ResponseFlag.UPSTREAM_CONNECT_FAILURE, target, 0, 0, decision,
                                failure.getMessage());
                        LOG.info("event=inbound_failed path={} peer={} dst={} reason=\"cannot connect to the "
                                + "application: {}\"", path.label(), request.peer(), target, failure.getMessage());
                    } else {
                        metrics.opened(path, "app");
                        ByteCounter bytes = new ByteCounter();
                        ch.pipeline().addFirst("bytes", bytes);
                        ch.closeFuture().addListener(f -> {
                            metrics.closed();
                            report.finish(ResponseFlag.NONE, target, bytes.written, bytes.read, decision, null);
                        });
                    }
                });
    }

    /** The client's port from {@code forwarded}, 0 when absent (only the address is authorized on). */
    private static int forwardedPort(HboneRequest request) {
        String f = request.forwarded();
        if (f == null) {
            return 0;
        }
        int colon = f.lastIndexOf(':');
        int end = f.lastIndexOf('"');
        try {
            return colon < 0 ? 0 : Integer.parseInt(f.substring(colon + 1, end > colon ? end : f.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private CompletionStage<Channel> refuse(HboneRequest request, PathMetrics.Path path, int status, String label,
            String reason) {
        metrics.failed(path, label);
        LOG.info("event=inbound_refused path={} peer={} target={} status={} reason=\"{}\"", path.label(),
                request.peer(), request.target(), status, reason);
        return HboneHandler.reject(status, reason);
    }

    @Override
    public void connectionRejected(InetSocketAddress peer, TunnelException error) {
        metrics.failed(PathMetrics.Path.INBOUND_HBONE, "connection_rejected");
    }
}
