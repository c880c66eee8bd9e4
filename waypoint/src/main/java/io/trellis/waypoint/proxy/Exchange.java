package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.authz.AuthzRequest;
import io.trellis.waypoint.cluster.ClusterState;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.LoadBalancer;
import io.trellis.waypoint.plan.Plan;
import io.trellis.waypoint.resilience.AttemptOutcome;
import io.trellis.waypoint.resilience.CircuitBreakers;
import io.trellis.waypoint.resilience.RetryDecider;
import io.trellis.waypoint.resilience.RetryDecision;
import io.trellis.waypoint.resilience.RetryPushback;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.telemetry.RequestTrace;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One request through the waypoint, on the downstream channel's event loop: plan (authz, route,
 * backend), then attempts upstream with per-try and request timeouts, retries with backoff within
 * the budget and breakers, outlier detection fed with every outcome, and the response streamed
 * back with backpressure. Ends with one metrics update and one access-log line.
 *
 * <p>Its parts: {@link UpstreamRequest} moves the request head and body to the current attempt,
 * {@link ExchangePermits} holds the circuit-breaker permits, {@link UpstreamTarget} says where an
 * attempt to an endpoint goes, {@link UpstreamAttempt} is one try on one tunnel.
 */
final class Exchange implements AttemptListener {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Exchange.class);

    private final ProxyContext ctx;
    private final Downstream down;
    private final EventLoop loop;
    private final HttpRequest head;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final UpstreamRequest request;
    private final boolean grpc;
    private final boolean keepAlive;
    private final ExchangeRecord record;
    private final RequestTrace trace;

    private Plan.@Nullable Forward forward;
    private @Nullable ClusterState cluster;
    private @Nullable LoadBalancer balancer;
    private final ExchangePermits permits = new ExchangePermits();
    private @Nullable RetryDecider decider;
    /** The snapshot the plan came from: each attempt's endpoint identity is looked up in it. */
    private @Nullable ConfigSnapshot snapshotInUse;
    private @Nullable UpstreamAttempt attempt;
    private boolean attemptReady;
    private RetryDecision.@Nullable Retry heldRetry;
    private @Nullable ScheduledFuture<?> requestTimer;
    private @Nullable ScheduledFuture<?> tryTimer;
    private @Nullable ScheduledFuture<?> pendingStart;
    private boolean responseStarted;
    private boolean finished;
    private boolean mirrored;
    /** A reused idle tunnel failed before answering: the one fresh re-attempt has been made. */
    private boolean staleRetried;
    private boolean upstreamKeepAlive;
    /** Retrying gave up (or a waypoint below had): the response is marked for callers ({@link RetrySignal}). */
    private boolean retryExhausted;

    /**
     * @param bodyExpected whether the request has a body (HTTP/1.1: a length or chunked; HTTP/2: no
     *     END_STREAM on the headers)
     */
    Exchange(ProxyContext ctx, Downstream down, HttpRequest head, boolean bodyExpected) {
        this.ctx = ctx;
        this.down = down;
        this.loop = down.channel().eventLoop();
        this.head = head;
        this.request = new UpstreamRequest(ctx.settings().maxRetryBufferBytes(), bodyExpected);
        String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
        this.grpc = contentType != null && contentType.startsWith("application/grpc");
        this.keepAlive = HttpUtil.isKeepAlive(head);
        this.record = new ExchangeRecord(down, head, grpc);
        this.trace = !ctx.tracing().enabled() ? RequestTrace.NOOP : ctx.tracing().startRequest(head.headers(),
                head.method().name(), head.uri(), head.headers().get(HttpHeaderNames.HOST, ""),
                down.protocol().equals("HTTP/2") ? "2" : "1.1");
    }

    // ---- downstream events -------------------------------------------------------------------

    void start() {
        try {
            plan();
        } catch (RuntimeException e) {
            // A bug must cost this request, never the connection or the loop: answer and log it.
            LOG.warn("event=exchange_failed method={} path=\"{}\" error=\"{}\"", head.method(), head.uri(), e.toString(), e);
            endAttempt(null);
            localReply(500, "internal error in the waypoint", null, null, "waypoint_internal_error");
        }
    }

    private void plan() {
        ConfigSnapshot snapshot = ctx.snapshot().get();
        ConfigSnapshot.Bound bound = snapshot.bound(down.connection().vip());
        if (bound == null) {
            localReply(404, "no service is bound to this waypoint at " + Addresses.format(down.connection().vip()),
                    null, null, "service_not_bound");
            return;
        }
        record.service(bound.service());
        String authority = head.headers().get(HttpHeaderNames.HOST, bound.service().hostname());
        Request request = Request.of(head.method().name(), head.uri(), authority, HopHeaders.toRouteHeaders(head.headers()));
        Plan plan = bound.planner().plan(new AuthzRequest(request, down.connection().peerUri(), null),
                ThreadLocalRandom.current());
        switch (plan) {
            case Plan.Deny deny -> localReply(deny.status(), "RBAC: access denied", null, null,
                    "rbac_access_denied_matched_policy[" + (deny.decision().policy() == null ? "none" : deny.decision().policy()) + "]");
            case Plan.Respond r -> localReply(r.status(), r.body(), r.location(), r.flag(), r.detail(), r.responseHeaders());
            case Plan.Abort a -> abortByFault(a);
            case Plan.Forward f -> forward(snapshot, bound.service(), f);
        }
    }

    void onBody(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        record.requestBytes += content.content().readableBytes();
        request.add(content);
        if (request.body().complete()) {
            sendMirrors();
        }
        pumpBody();
    }

    void onDownstreamWritable() {
        UpstreamAttempt a = attempt;
        if (responseStarted && a != null && !finished) {
            a.read();
        }
    }

    void onDownstreamClosed() {
        if (finished) {
            return;
        }
        record.flag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
        record.detail = "downstream_remote_disconnect";
        endAttempt(null);
        finish(false);
    }

    // ---- planning ------------------------------------------------------------------------------

    private void abortByFault(Plan.Abort a) {
        record.route(a.route().name());
        Runnable reply = () -> localReply(a.status(), "fault filter abort", null, ResponseFlag.FAULT_INJECTED,
                "fault_filter_abort", a.responseHeaders());
        if (a.injectedDelay().isZero()) {
            reply.run();
        } else {
            record.flag(ResponseFlag.DELAY_INJECTED);
            pendingStart = loop.schedule(reply, a.injectedDelay().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void forward(ConfigSnapshot snapshot, ServiceBinding service, Plan.Forward f) {
        this.forward = f;
        record.route(f.route().name());
        record.cluster = f.cluster();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ClusterState state = snapshot.cluster(f.cluster());
        if (state == null) {
            localReply(503, "no cluster " + f.cluster(), null, ResponseFlag.NO_HEALTHY_UPSTREAM, "cluster_not_found");
            return;
        }
        snapshotInUse = snapshot;
        if (!permits.acquireRequest(state.breakers())) {
            localReply(503, "upstream overflow: too many requests to " + f.cluster(), null,
                    ResponseFlag.UPSTREAM_OVERFLOW, "upstream_overflow");
            return;
        }
        cluster = state;
        balancer = LoopBalancers.of(state);
        state.recordRequest();
        if (f.retry() != null) {
            decider = state.retryDecider(f.retry(), random);
        }
        request.planned(MessageHeads.upstream(head, f.upstreamRequest(), service, request.bodyExpected()));
        Duration total = f.timeouts().request();
        if (!total.isZero()) {
            requestTimer = loop.schedule(this::onRequestTimeout, total.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!f.injectedDelay().isZero()) {
            record.flag(ResponseFlag.DELAY_INJECTED);
            pendingStart = loop.schedule(this::startAttempt, f.injectedDelay().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        if (request.body().complete()) {
            sendMirrors();
        }
        startAttempt();
    }

    // ---- attempts ------------------------------------------------------------------------------

    private void startAttempt() {
        pendingStart = null;
        if (finished) {
            return;
        }
        Plan.Forward f = forward;
        LoadBalancer lb = balancer;
        ConfigSnapshot snapshot = snapshotInUse;
        if (f == null || lb == null || request.head() == null || snapshot == null) {
            throw new IllegalStateException("attempt without a forwarding plan");
        }
        Endpoint endpoint = lb.pick(f.hashKey());
        if (endpoint == null) {
            localReply(503, "no healthy upstream", null, ResponseFlag.NO_HEALTHY_UPSTREAM, "no_healthy_upstream");
            return;
        }
        UpstreamTarget target = UpstreamTarget.of(endpoint, snapshot.identity(f.cluster(), endpoint),
                ctx.settings().hbonePort());
        if (target.address() == null) {
            localReply(503, "endpoint address " + endpoint.address() + " is not ip:port", null,
                    ResponseFlag.UPSTREAM_CONNECTION_FAILURE, "bad_endpoint_address");
            return;
        }
        if (target.identity() == null) {
            localReply(503, "no identity configured for endpoint " + endpoint.address() + " of cluster " + f.cluster()
                    + ": the control plane must name the identity its HBONE server presents", null,
                    ResponseFlag.UPSTREAM_CONNECTION_FAILURE, "no_upstream_identity");
            return;
        }
        CircuitBreakers breakers = cluster == null ? null : cluster.breakers();
        if (breakers != null && !permits.acquireAttempt(breakers)) {
            localReply(503, "upstream overflow: too many connections or pending requests to " + f.cluster(), null,
                    ResponseFlag.UPSTREAM_OVERFLOW, "upstream_overflow");
            return;
        }
        record.attempts++;
        if (record.attempts > 1) {
            request.body().rewind();
        }
        lb.requestStarted(endpoint);
        UpstreamAttempt a = new UpstreamAttempt(endpoint, record.attempts, loop, this,
                record.service().protocol().isHttp2());
        attempt = a;
        attemptReady = false;
        trace.attemptStarted(record.attempts, endpoint.address(), f.cluster(), a.isHttp2() ? "2" : "1.1");
        Duration perTry = f.timeouts().perTry();
        if (perTry.isZero() && f.retry() != null) {
            perTry = f.retry().perTryTimeout();
        }
        if (!perTry.isZero()) {
            tryTimer = loop.schedule(() -> failed(a, new AttemptOutcome.PerTryTimeout(),
                    ResponseFlag.UPSTREAM_REQUEST_TIMEOUT, "upstream_per_try_timeout"), perTry.toNanos(), TimeUnit.NANOSECONDS);
        }
        a.open(ctx.pool(), target, () -> target.tunnelRequest(ctx.settings().identity(), down.connection(),
                head.headers().get("traceparent")), !staleRetried);
    }

    @Override
    public void ready(UpstreamAttempt a) {
        if (a != attempt || finished || request.head() == null) {
            a.close();
            return;
        }
        attemptReady = true;
        permits.attemptConnected();
        request.writeHead(a, trace);
        // The head and what body is here leave in one flush: a bodiless request's end then reaches the
        // tunnel before the upstream can answer it (a 101 turns the tunnel raw; see UpgradedTunnelGuard).
        if (!pumpBody()) {
            a.flush();
        }
    }

    /** Moves request body upstream while the attempt takes it; true if it wrote (and flushed) some. */
    private boolean pumpBody() {
        return request.pump(attempt, attemptReady, down);
    }

    @Override
    public void writable(UpstreamAttempt a) {
        if (a == attempt && !finished) {
            pumpBody();
        }
    }

    @Override
    public void response(UpstreamAttempt a, HttpObject part) {
        if (a != attempt || finished) {
            ReferenceCountUtil.release(part);
            return;
        }
        if (part instanceof HttpResponse r && !responseStarted) {
            onResponseHead(a, r);
        } else if (part instanceof HttpContent c) {
            onResponseBody(a, c);
        } else {
            ReferenceCountUtil.release(part);
            a.read();
        }
    }

    private void onResponseHead(UpstreamAttempt a, HttpResponse r) {
        int code = r.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            ReferenceCountUtil.release(r); // interim responses stay on their hop
            a.read();
            return;
        }
        cancel(tryTimer);
        Integer grpcStatus = AttemptOutcome.Response.parseGrpcStatus(r.headers().get("grpc-status"));
        AttemptOutcome outcome = new AttemptOutcome.Response(code, grpcStatus);
        boolean signal = ctx.settings().retryExhaustedSignal();
        if (code != 101 && retry(a, outcome, RetrySignal.read(r.headers(), code, signal))) {
            ReferenceCountUtil.release(r);
            return;
        }
        responseStarted = true;
        record.status = code;
        record.upstream(a);
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        HttpResponse out = MessageHeads.downstream(r, head, forward == null ? null : forward.responseHeaders(),
                down.protocol(), keepAlive);
        RetrySignal.apply(out.headers(), retryExhausted, grpc, signal);
        if (out instanceof FullHttpResponse full) {
            record.responseBytes += full.content().readableBytes();
            record.grpcStatus(grpcStatus);
            send(full);
            completeAttempt(a, outcome);
            finish(true);
            return;
        }
        send(out);
        if (code == 101) {
            upgrade(a);
            return;
        }
        if (down.channel().isWritable()) {
            a.read();
        }
    }

    private void onResponseBody(UpstreamAttempt a, HttpContent c) {
        record.responseBytes += c.content().readableBytes();
        if (c instanceof LastHttpContent last) {
            Integer trailerStatus = AttemptOutcome.Response.parseGrpcStatus(last.trailingHeaders().get("grpc-status"));
            if (trailerStatus != null) {
                record.grpcStatus(trailerStatus);
            }
            send(c);
            completeAttempt(a, new AttemptOutcome.Response(record.status, trailerStatus));
            finish(true);
            return;
        }
        send(c);
        if (down.channel().isWritable()) {
            a.read();
        }
    }

    @Override
    public void failed(UpstreamAttempt a, AttemptOutcome outcome, ResponseFlag flag, String detail) {
        if (a != attempt || finished) {
            return;
        }
        cancel(tryTimer);
        boolean neverSent = !a.isHttp2() || detail.equals("upstream_h2_stream_failed");
        if (!responseStarted && a.reused() && neverSent && !staleRetried && outcome instanceof AttemptOutcome.Reset
                && request.body().replayable()) {
            // A reused connection that was closed meanwhile (an idle HTTP/1.1 keep-alive the
            // application dropped, a shared HTTP/2 connection going away): not the endpoint's fault,
            // not a retry; try once more on a fresh tunnel.
            staleRetried = true;
            record.attempts--;
            endAttempt(null);
            startAttempt();
            return;
        }
        if (!responseStarted && retry(a, outcome, RetryPushback.NONE)) {
            return;
        }
        endAttempt(outcome);
        record.flag(flag);
        if (responseStarted) {
            record.detail = detail;
            abortDownstream();
            return;
        }
        int status = flag == ResponseFlag.UPSTREAM_REQUEST_TIMEOUT ? 504 : 503;
        localReply(status, "upstream connect error or disconnect/reset before headers: " + detail, null, null, detail);
    }

    /** Decides on a retry after a failed or retriable attempt; true if one was scheduled. */
    private boolean retry(UpstreamAttempt a, AttemptOutcome outcome, RetryPushback pushback) {
        RetryDecider d = decider;
        if (d == null || forward == null) {
            return false;
        }
        RetryDecision decision = d.decide(outcome, a.number, head.method().name(), grpc, pushback);
        if (decision instanceof RetryDecision.Retry retry && request.body().replayable()) {
            endAttempt(outcome);
            heldRetry = retry;
            pendingStart = loop.schedule(this::startAttempt, retry.delay().toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
        if (decision instanceof RetryDecision.Retry retry) {
            retry.attemptFinished(); // wanted, but the body was too large to replay
        } else if (decision instanceof RetryDecision.GiveUp giveUp) {
            if (giveUp.flag() != null) {
                record.flag(giveUp.flag());
            }
            retryExhausted = giveUp.exhausted();
        }
        return false;
    }

    /** The attempt is over: feed its outcome to the balancer and outlier detection, close it. */
    private void endAttempt(@Nullable AttemptOutcome outcome) {
        endAttempt(outcome, false);
    }

    /** @param reusable the exchange on this attempt ended cleanly: keep its HTTP/1.1 tunnel for reuse */
    private void endAttempt(@Nullable AttemptOutcome outcome, boolean reusable) {
        permits.releaseAttempt();
        UpstreamAttempt a = attempt;
        if (a == null) {
            return;
        }
        cancel(tryTimer);
        attempt = null;
        trace.attemptEnded(outcome);
        if (reusable) {
            a.release(System.nanoTime());
        } else {
            a.close();
        }
        if (balancer != null) {
            balancer.requestFinished(a.endpoint);
        }
        if (outcome != null && cluster != null) {
            cluster.recordOutcome(a.endpoint, outcome);
        }
        RetryDecision.Retry held = heldRetry;
        if (held != null) {
            held.attemptFinished();
            heldRetry = null;
        }
    }

    private void completeAttempt(UpstreamAttempt a, AttemptOutcome outcome) {
        if (a == attempt) {
            // Reusable only if both messages ended on the wire: the codec is then ready for the next.
            endAttempt(outcome, upstreamKeepAlive && request.body().fullySent() && attemptReady);
        }
    }

    private void upgrade(UpstreamAttempt a) {
        var tunnel = a.upgradedTunnel();
        attempt = null;
        if (tunnel == null) {
            abortDownstream();
            return;
        }
        Channel raw = down.takeOverForUpgrade();
        record.detail = "upgraded";
        finish(false);
        Relay.start(raw, tunnel);
    }

    private void onRequestTimeout() {
        if (finished) {
            return;
        }
        record.flag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        endAttempt(new AttemptOutcome.PerTryTimeout());
        if (responseStarted) {
            record.detail = "response_timeout";
            abortDownstream();
        } else {
            localReply(504, "upstream request timeout", null, null, "response_timeout");
        }
    }

    // ---- responses -----------------------------------------------------------------------------

    private void localReply(int status, String text, @Nullable String location, @Nullable ResponseFlag flag,
            String detail) {
        localReply(status, text, location, flag, detail, null);
    }

    private void localReply(int status, String text, @Nullable String location, @Nullable ResponseFlag flag,
            String detail, @Nullable HeaderModifier responseHeaders) {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abortDownstream();
            return;
        }
        if (flag != null) {
            record.flag(flag);
        }
        record.detail = detail;
        FullHttpResponse r = LocalReplies.build(down.channel().alloc(), status, text, location, flag, grpc);
        if (responseHeaders != null) {
            HopHeaders.apply(responseHeaders, r.headers());
        }
        // A breaker shedding load is a give-up too: callers retrying into it would only add load.
        RetrySignal.apply(r.headers(), retryExhausted || flag == ResponseFlag.UPSTREAM_OVERFLOW, grpc,
                ctx.settings().retryExhaustedSignal());
        boolean reusable = requestDone() && keepAlive;
        if (down.protocol().equals("HTTP/1.1")) {
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            HttpUtil.setKeepAlive(r.headers(), HttpVersion.HTTP_1_1, reusable);
        }
        record.status = r.status().code();
        record.responseBytes += r.content().readableBytes();
        if (grpc) {
            record.grpcStatus(AttemptOutcome.Response.parseGrpcStatus(r.headers().get("grpc-status")));
        }
        responseStarted = true;
        down.channel().writeAndFlush(r);
        finish(reusable);
    }

    /** A proxied response part to the client; a failed write reaches its handler as an exception (it closes). */
    private void send(HttpObject part) {
        Channel ch = down.channel();
        ch.writeAndFlush(part, ch.voidPromise());
    }

    private void abortDownstream() {
        finish(false);
        down.channel().close();
    }

    private void finish(boolean reusable) {
        if (finished) {
            return;
        }
        finished = true;
        cancel(requestTimer);
        cancel(tryTimer);
        cancel(pendingStart);
        endAttempt(null);
        permits.releaseRequest();
        boolean bodyDone = requestDone();
        request.body().release();
        var r = record.build(startMillis, System.nanoTime() - startNanos);
        trace.finish(r);
        ctx.metrics().record(r);
        ctx.accessLog().log(r);
        if (!"upgraded".equals(record.detail)) {
            down.exchangeDone(reusable && bodyDone && keepAlive);
        }
    }

    /** Whether the client has sent its whole request (a bodiless request is done with its head). */
    boolean requestDone() {
        return request.done();
    }

    private void sendMirrors() {
        Plan.Forward f = forward;
        HttpRequest planned = request.head();
        if (mirrored || f == null || f.mirrorClusters().isEmpty() || planned == null || !request.body().complete()) {
            return;
        }
        mirrored = true;
        MirrorRequest.sendAll(ctx, f.mirrorClusters(), planned, request.body(), down.connection(), loop,
                record.service().protocol().isHttp2());
    }

    private static void cancel(@Nullable ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
