package io.trellis.proxy.core.hbone;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.logging.LogLevel;

/**
 * Counts the HTTP/2 errors this side answers a peer with: every RST_STREAM and GOAWAY it sends carrying an
 * error code other than NO_ERROR/CANCEL, as {@code trellis.hbone.protocol.errors{side,frame,error}} (e.g.
 * {@code frame=goaway,error=ENHANCE_YOUR_CALM} for a rapid-reset flood, {@code frame=rst_stream,
 * error=REFUSED_STREAM} for streams beyond SETTINGS_MAX_CONCURRENT_STREAMS). Netty's codec enforces the
 * limits and writes those frames itself; its frame-logger hook is the one place every one of them passes, so
 * the count needs no parsing. Frame logging at TRACE keeps working through {@code super}.
 */
final class ProtocolErrorCounter extends Http2FrameLogger {

    private final MeterRegistry registry;
    private final String side;

    ProtocolErrorCounter(MeterRegistry registry, String side) {
        super(LogLevel.TRACE, ProtocolErrorCounter.class);
        this.registry = registry;
        this.side = side;
    }

    @Override
    public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        if (direction == Direction.OUTBOUND) {
            count("rst_stream", errorCode);
        }
        super.logRstStream(direction, ctx, streamId, errorCode);
    }

    @Override
    public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode,
            ByteBuf debugData) {
        if (direction == Direction.OUTBOUND) {
            count("goaway", errorCode);
        }
        super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
    }

    private void count(String frame, long errorCode) {
        if (errorCode == Http2Error.NO_ERROR.code() || errorCode == Http2Error.CANCEL.code()) {
            return;
        }
        Http2Error error = Http2Error.valueOf(errorCode);
        Counter.builder("trellis.hbone.protocol.errors").tag("side", side).tag("frame", frame)
                .tag("error", error == null ? Long.toString(errorCode) : error.name())
                .description("HTTP/2 RST_STREAM and GOAWAY frames sent with an error code (protocol violations, "
                        + "floods, refused streams)")
                .register(registry).increment();
    }
}
