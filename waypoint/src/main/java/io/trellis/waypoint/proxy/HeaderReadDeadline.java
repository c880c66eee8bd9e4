package io.trellis.waypoint.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.telemetry.RequestRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowloris defence of one downstream tunnel: the first handler on its pipe, it bounds how long
 * the client may take to send a request head ({@link ProxySettings#headerReadTimeout}).
 *
 * <p>The clock starts at the first byte of a request (as Envoy's {@code request_headers_timeout}):
 * on a new tunnel, and on a keep-alive connection for each next request, so waiting between requests
 * stays the idle timeout's business. A tunnel that sends nothing at all is closed after
 * {@link ProxySettings#idleTimeout}. The protocol handler disarms the deadline when a head is
 * complete; HTTP/2 times the preface and each HEADERS / CONTINUATION block ({@link Http2HeaderWatch}).
 * On expiry the protocol handler answers (408 or GOAWAY) and closes; the expiry is counted
 * ({@value HeaderDeadlines#TIMEOUTS_METRIC}), logged as one line and written to the access log with
 * flag {@link ResponseFlag#REQUEST_HEADER_TIMEOUT}.
 *
 * <p>Threads: arm and disarm run on the tunnel's loop; {@link HeaderDeadlines#sweep} reads the
 * volatile fields from its own thread and hands an expiry back to the loop, where it is checked again.
 */
final class HeaderReadDeadline extends ChannelInboundHandlerAdapter implements HeadTimer {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderReadDeadline.class);

    /** What the protocol in charge does when the deadline passes. */
    interface Expiry {
        /** Answers the slow client as its protocol allows and closes the tunnel. */
        void headerReadTimedOut();

        /** {@code HTTP/1.1} or {@code HTTP/2}. */
        String protocol();
    }

    private final HeaderDeadlines deadlines;
    private final ProxyContext ctx;
    private final ConnectionInfo conn;
    private @Nullable Channel channel;
    private @Nullable Expiry expiry;
    private volatile boolean armed;
    /** Armed for a request head (not just for a first byte that may never come). */
    private volatile boolean waitingForHead;
    private volatile long deadline;
    private boolean armAtNextByte;
    private boolean bytesSinceArmed;
    private boolean started;
    private long armedAtMillis;

    HeaderReadDeadline(ProxyContext ctx, ConnectionInfo conn) {
        this.deadlines = ctx.headerDeadlines();
        this.ctx = ctx;
        this.conn = conn;
    }

    /** Hands expiry to the protocol chosen for this tunnel (call on its loop). */
    void protocol(Expiry handler) {
        expiry = handler;
    }

    /** Starts the clock now: a head is being waited for. */
    @Override
    public void armNow() {
        armAtNextByte = false;
        bytesSinceArmed = false;
        armedAtMillis = System.currentTimeMillis();
        deadline = deadlines.headDeadlineFromNow();
        waitingForHead = true;
        armed = true;
    }

    /** Starts the clock at the next byte the client sends (between keep-alive requests). */
    void armAtNextByte() {
        armed = false;
        waitingForHead = false;
        armAtNextByte = true;
    }

    /** A whole head arrived: no deadline until the protocol arms it again. */
    @Override
    public void disarm() {
        armed = false;
        waitingForHead = false;
        armAtNextByte = false;
    }

    /** Whether a request head has begun and not yet arrived whole. */
    boolean waitingForHead() {
        return armed && waitingForHead;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext hctx) {
        channel = hctx.channel();
        if (hctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext hctx) throws Exception {
        start();
        super.channelActive(hctx);
    }

    private void start() {
        if (!started) {
            started = true;
            deadlines.register(this);
            // Until the first byte only the idle timeout applies: a tunnel a client opened ahead of use
            // is not a slow request.
            armAtNextByte = true;
            armedAtMillis = System.currentTimeMillis();
            deadline = deadlines.idleDeadlineFromNow();
            armed = true;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext hctx, Object msg) {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            if (armAtNextByte) {
                armNow();
            }
            bytesSinceArmed = true;
        }
        hctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext hctx) throws Exception {
        armed = false;
        deadlines.unregister(this);
        super.channelInactive(hctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext hctx) {
        armed = false;
        deadlines.unregister(this);
    }

    /** From the sweep (any thread): expire on the loop if {@code now} is past the deadline. */
    void expireIfDue(long now) {
        Channel ch = channel;
        if (ch == null || !armed || now - deadline < 0) {
            return;
        }
        ch.eventLoop().execute(() -> {
            if (armed && now - deadline >= 0 && ch.isActive()) {
                armed = false;
                expire(ch);
            }
        });
    }

    private void expire(Channel ch) {
        if (!waitingForHead) {
            deadlines.counted("none");
            LOG.debug("event=downstream_idle_before_request peer={} client={} vip={}", conn.peer(),
                    Addresses.format(conn.clientAddress()), Addresses.format(conn.vip()));
            ch.close(); // never sent a byte: nothing to answer
            return;
        }
        waitingForHead = false;
        Expiry handler = expiry;
        String protocol = handler == null ? "none" : handler.protocol();
        deadlines.counted(protocol);
        long waitedMillis = System.currentTimeMillis() - armedAtMillis;
        LOG.info("event=downstream_header_timeout protocol={} peer={} client={} vip={} bytes_received={} waited_ms={}",
                protocol, conn.peer(), Addresses.format(conn.clientAddress()), Addresses.format(conn.vip()),
                bytesSinceArmed, waitedMillis);
        if (handler == null) {
            ch.close(); // a partial HTTP/2 preface: no protocol to answer in
            return;
        }
        accessLog(protocol, protocol.equals("HTTP/1.1") ? 408 : 0, waitedMillis);
        handler.headerReadTimedOut();
    }

    private void accessLog(String protocol, int status, long waitedMillis) {
        ConfigSnapshot.Bound bound = ctx.snapshot().get().bound(conn.vip());
        RequestRecord r = new RequestRecord(armedAtMillis, waitedMillis * 1_000_000L, "-", "-", "", "http", protocol,
                status, ResponseFlag.REQUEST_HEADER_TIMEOUT.code(), null, "request_header_timeout", 0, 0, 0,
                conn.source(), bound == null ? "unknown" : bound.service().hostname(),
                bound == null ? "unknown" : bound.service().namespace(), RequestRecord.Workload.UNKNOWN, null, null,
                null, null, null, null, null);
        ctx.metrics().record(r);
        ctx.accessLog().log(r);
    }
}
