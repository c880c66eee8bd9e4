package io.trellis.proxy.core.hbone;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rapid-reset (CVE-2023-44487) protection of an HBONE server connection that counts only the resets that
 * are the attack: RST_STREAM for a stream the server has not answered yet, i.e. work (an upstream connect)
 * started for a client that did not wait for it. More than {@link #MAX_UNANSWERED_RESETS} of those within
 * {@link #WINDOW_SECONDS} end the connection with GOAWAY(ENHANCE_YOUR_CALM).
 *
 * <p>Netty's own limit (on by default for servers: 200 resets per 30 s) counts every RST_STREAM, including
 * the CANCEL a client sends when it closes a tunnel that was answered and relayed but whose end it had not
 * read yet, which is how proxies finish tunnels normally. A busy client connection hit it after 200 such
 * tunnels: the server hard-closed the connection, failing the stream the client had just opened on it
 * ("ended before the server answered") and every tunnel still relaying on it. The codec's limit is
 * therefore switched off and this handler, between the codec and the stream multiplexer, applies it where
 * it belongs. Confined to the connection's event loop.
 */
final class RapidResetGuard extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(RapidResetGuard.class);

    /** Netty's default budget, applied to unanswered streams only. */
    static final int MAX_UNANSWERED_RESETS = 200;
    static final int WINDOW_SECONDS = 30;

    private final Http2Connection connection;
    private final LongSupplier nanoClock;
    private final long windowNanos = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
    private long windowStart;
    private int resetsInWindow;
    private boolean tripped;

    RapidResetGuard(Http2Connection connection, LongSupplier nanoClock) {
        this.connection = connection;
        this.nanoClock = nanoClock;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The codec hands the reset on before it closes the stream, so the stream's state is still readable.
        boolean unanswered = msg instanceof Http2ResetFrame reset && reset.stream() != null
                && isUnanswered(reset.stream().id());
        ctx.fireChannelRead(msg);
        if (unanswered && !tripped && countAndCheck()) {
            tripped = true;
            LOG.info("event=hbone_rapid_reset peer_addr={} unanswered_resets={} window_s={}", ctx.channel().remoteAddress(),
                    resetsInWindow, WINDOW_SECONDS);
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private boolean isUnanswered(int streamId) {
        Http2Stream stream = connection.stream(streamId);
        return stream != null && !stream.isHeadersSent();
    }

    /** Counts one unanswered reset; true once the window's budget is exceeded. */
    private boolean countAndCheck() {
        long now = nanoClock.getAsLong();
        if (resetsInWindow == 0 || now - windowStart >= windowNanos) {
            windowStart = now;
            resetsInWindow = 1;
            return false;
        }
        return ++resetsInWindow > MAX_UNANSWERED_RESETS;
    }
}
