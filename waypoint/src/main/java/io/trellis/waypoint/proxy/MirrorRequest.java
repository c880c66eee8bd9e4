package io.trellis.waypoint.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.cluster.ClusterState;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.resilience.AttemptOutcome;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fire-and-forget copy of a request to a mirror cluster: its response is read and dropped and
 * its failure affects nothing but a debug line. As in Envoy the Host gets a {@code -shadow} suffix
 * so the mirror can tell copies apart.
 */
final class MirrorRequest implements AttemptListener {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorRequest.class);

    private final HttpRequest head;
    private final List<HttpContent> body;
    private boolean sent;
    private boolean keepAlive;

    private MirrorRequest(HttpRequest head, List<HttpContent> body) {
        this.head = head;
        this.body = body;
    }

    /** Sends a copy of a request whose complete body is kept in {@code body} to each mirror cluster. */
    static void sendAll(ProxyContext ctx, List<String> clusters, HttpRequest head, RequestBody body, ConnectionInfo conn,
            EventLoop loop, boolean http2) {
        ConfigSnapshot snapshot = ctx.snapshot().get();
        for (String name : clusters) {
            List<HttpContent> copy = body.copyIfComplete();
            if (copy == null) {
                return; // the body outgrew the retry buffer: Envoy does not mirror such requests either
            }
            send(ctx, snapshot, name, head, copy, conn, loop, http2);
        }
    }

    static void send(ProxyContext ctx, ConfigSnapshot snapshot, String clusterName, HttpRequest original,
            List<HttpContent> body, ConnectionInfo conn, EventLoop loop, boolean http2) {
        ClusterState cluster = snapshot.cluster(clusterName);
        Endpoint endpoint = cluster == null ? null : LoopBalancers.of(cluster).pick(null);
        SpiffeId identity = endpoint == null ? null : snapshot.identity(clusterName, endpoint);
        InetSocketAddress target = endpoint == null ? null : Addresses.parse(endpoint.address());
        if (target == null || identity == null) {
            LOG.debug("event=mirror_skipped cluster={} reason=no_endpoint_or_identity", clusterName);
            body.forEach(HttpContent::release);
            return;
        }
        HttpRequest head = new DefaultHttpRequest(original.protocolVersion(), original.method(), original.uri(),
                original.headers().copy());
        String host = head.headers().get(HttpHeaderNames.HOST, "");
        head.headers().set(HttpHeaderNames.HOST, host + "-shadow");
        MirrorRequest mirror = new MirrorRequest(head, body);
        UpstreamAttempt attempt = new UpstreamAttempt(endpoint, 1, loop, mirror, http2);
        attempt.open(ctx.pool(), new TunnelRequest(ctx.settings().identity(), identity,
                new InetSocketAddress(target.getAddress(), ctx.settings().hbonePort()), target, conn.clientAddress(),
                conn.baggage(), original.headers().get("traceparent")), true);
    }

    @Override
    public void ready(UpstreamAttempt attempt) {
        sent = true;
        attempt.write(head, false);
        for (HttpContent c : body) {
            attempt.write(c, false);
        }
        attempt.flush();
        attempt.read();
    }

    @Override
    public void response(UpstreamAttempt attempt, HttpObject part) {
        boolean last = part instanceof LastHttpContent;
        if (part instanceof io.netty.handler.codec.http.HttpResponse r) {
            keepAlive = io.netty.handler.codec.http.HttpUtil.isKeepAlive(r);
        }
        ReferenceCountUtil.release(part);
        if (last && keepAlive) {
            attempt.release(System.nanoTime());
        } else if (last) {
            attempt.close();
        } else {
            attempt.read();
        }
    }

    @Override
    public void failed(UpstreamAttempt attempt, AttemptOutcome outcome, ResponseFlag flag, String detail) {
        attempt.close();
        if (!sent) {
            sent = true;
            body.forEach(HttpContent::release);
        }
        LOG.debug("event=mirror_failed endpoint={} detail=\"{}\"", attempt.endpoint.address(), detail);
    }

    @Override
    public void writable(UpstreamAttempt attempt) {}
}
