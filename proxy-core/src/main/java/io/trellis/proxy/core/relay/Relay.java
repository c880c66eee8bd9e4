package io.trellis.proxy.core.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes between two channels until both directions end, with backpressure, half-close and
 * reset propagation.
 *
 * <p>Each side is a plain socket ({@link DuplexChannel}: TCP or Unix domain) or an HBONE stream
 * ({@link Http2StreamChannel} whose pipeline turns DATA frames into {@code ByteBuf}s, END_STREAM into
 * {@code ChannelInputShutdownEvent} and RST_STREAM into {@link PeerAborted}). Both channels must have
 * {@code AUTO_READ} off and sockets {@code ALLOW_HALF_CLOSURE} on ({@code ChannelTuning} does this).
 *
 * <ul>
 *   <li>Backpressure: a side is read only while the other side is writable, so at most one read
 *       plus the write high-water mark is buffered per direction; an HTTP/2 side additionally
 *       withholds WINDOW_UPDATEs while unread, which stops the remote sender.
 *   <li>Half-close: end of input on one side (TCP FIN or END_STREAM) becomes end of output on the
 *       other (shutdownOutput or an empty DATA frame with END_STREAM) after the queued bytes.
 *   <li>Abort: a reset, error or unexpected close on one side aborts the other: RST_STREAM CANCEL on
 *       a stream, {@code SO_LINGER 0} then close on a socket so its application sees a reset.
 *   <li>Two epoll TCP channels on the same event loop can use {@code splice(2)} (no copy through
 *       user space) when asked to; see the caveat on {@code splice}.
 * </ul>
 *
 * <p>Buffer ownership: every buffer read from one side is handed to the other side's {@code write}
 * (which releases it once written or failed); nothing is retained by the relay.
 */
public final class Relay {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    private final Channel a;
    private final Channel b;
    private final AtomicInteger directionsDone = new AtomicInteger();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicInteger channelsClosed = new AtomicInteger();
    private final CompletableFuture<RelayResult> result = new CompletableFuture<>();
    private volatile @Nullable Throwable abortCause;
    private @Nullable RelayHandler handlerA;
    private @Nullable RelayHandler handlerB;

    private Relay(Channel a, Channel b) {
        this.a = a;
        this.b = b;
    }

    /**
     * Starts relaying without byte counters and without {@code splice(2)}; see
     * {@link #start(Channel, Channel, Counter, Counter, boolean)}.
     */
    public static CompletableFuture<RelayResult> start(Channel a, Channel b) {
        return start(a, b, null, null, false);
    }

    /**
     * Starts relaying between {@code a} and {@code b}; returns a future completed when both channels
     * are closed. Any {@link InboundHold} in either pipeline is removed and its parked data relayed.
     *
     * @param aToB counts bytes read from a (null: not counted)
     * @param bToA counts bytes read from b (null: not counted)
     * @param splice allow {@code splice(2)} when both are epoll TCP channels on the same loop
     *     (spliced bytes bypass the counters and {@link RelayResult} byte totals). Off by default:
     *     with Netty 4.2.18 a FIN that arrives while the splice pipe is full shuts the input down
     *     before the rest of the socket's bytes are spliced, truncating the stream (see README);
     *     use it only where the peer never half-closes under load.
     */
    public static CompletableFuture<RelayResult> start(Channel a, Channel b, @Nullable Counter aToB,
            @Nullable Counter bToA, boolean splice) {
        Relay relay = new Relay(a, b);
        boolean useSplice = splice && canSplice(a, b);
        relay.handlerA = new RelayHandler(relay, b, aToB, useSplice);
        relay.handlerB = new RelayHandler(relay, a, bToA, useSplice);
        ChannelFutureListener closed = f -> relay.channelClosed();
        a.closeFuture().addListener(closed);
        b.closeFuture().addListener(closed);
        if (useSplice) {
            a.eventLoop().execute(() -> {
                install(a, relay.handlerA);
                install(b, relay.handlerB);
                startSplice((AbstractEpollStreamChannel) a, (AbstractEpollStreamChannel) b, relay);
            });
        } else {
            a.eventLoop().execute(() -> {
                install(a, relay.handlerA);
                a.read();
            });
            b.eventLoop().execute(() -> {
                install(b, relay.handlerB);
                b.read();
            });
        }
        return relay.result;
    }

    /** Runs on ch's event loop. */
    private static void install(Channel ch, RelayHandler handler) {
        ch.pipeline().addLast("relay", handler);
        if (ch.pipeline().get(InboundHold.class) != null) {
            ch.pipeline().remove(InboundHold.class);
        }
        if (!ch.isActive()) {
            handler.relay.abort(ch, new SideClosed());
        }
    }

    static boolean canSplice(Channel a, Channel b) {
        return a instanceof AbstractEpollStreamChannel && b instanceof AbstractEpollStreamChannel
                && a.eventLoop() == b.eventLoop();
    }

    private static void startSplice(AbstractEpollStreamChannel a, AbstractEpollStreamChannel b, Relay relay) {
        {
            // splice(2) moves bytes socket -> pipe -> socket inside the kernel. Netty drives it from the
            // read path and pauses reading itself while the target cannot take more (pipe capacity,
            // 64 KiB by default, bounds what is in flight), so auto-read is switched on here.
            a.spliceTo(b, Integer.MAX_VALUE).addListener(f -> relay.spliceEnded(f.cause()));
            b.spliceTo(a, Integer.MAX_VALUE).addListener(f -> relay.spliceEnded(f.cause()));
            a.config().setAutoRead(true);
            b.config().setAutoRead(true);
        }
    }

    private void spliceEnded(@Nullable Throwable cause) {
        if (cause != null && !finished.get()) {
            abort(a, cause);
        }
    }

    Channel other(Channel ch) {
        return ch == a ? b : a;
    }

    /** The input of {@code from} ended: end the output of the other side once its queued bytes are out. */
    void inputEnded(Channel from) {
        Channel to = other(from);
        handlerOf(to).outputEnded();
        if (to instanceof Http2StreamChannel) {
            to.writeAndFlush(new DefaultHttp2DataFrame(true)).addListener(this::directionDone);
        } else if (to instanceof DuplexChannel duplex) {
            // An empty write completes after everything queued before it, so the FIN follows the data.
            to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (f.isSuccess()) {
                    duplex.shutdownOutput().addListener(this::directionDone);
                } else {
                    directionDone(f);
                }
            });
        } else {
            to.close();
        }
    }

    private void directionDone(io.netty.util.concurrent.Future<?> f) {
        if (!f.isSuccess()) {
            abort(a, f.cause());
            return;
        }
        if (directionsDone.incrementAndGet() == 2 && finished.compareAndSet(false, true)) {
            a.close();
            b.close();
        }
    }

    /** Tears both sides down as an abort; the first cause wins. */
    void abort(Channel origin, Throwable cause) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        abortCause = cause;
        LOG.debug("event=relay_abort origin={} cause=\"{}\"", origin, cause.toString());
        abortChannel(a);
        abortChannel(b);
    }

    boolean isFinished() {
        return finished.get();
    }

    private static void abortChannel(Channel ch) {
        if (!ch.isOpen()) {
            return;
        }
        if (ch instanceof DuplexChannel && ch.isActive()) {
            try {
                // With linger 0 close() sends RST instead of FIN: the application sees a reset, not EOF.
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException unsupported) {
                // Unix domain sockets have no linger; a close is the strongest signal they have.
            }
        }
        ch.close(); // an open HTTP/2 stream answers close() with RST_STREAM CANCEL
    }

    private void channelClosed() {
        if (channelsClosed.incrementAndGet() < 2) {
            return;
        }
        RelayHandler ha = handlerA;
        RelayHandler hb = handlerB;
        result.complete(new RelayResult(ha == null ? 0 : ha.bytes(), hb == null ? 0 : hb.bytes(), abortCause));
    }

    RelayHandler handlerOf(Channel ch) {
        RelayHandler h = ch == a ? handlerA : handlerB;
        if (h == null) {
            throw new IllegalStateException("relay handler missing for " + ch);
        }
        return h;
    }
}
