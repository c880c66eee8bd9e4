package io.trellis.proxy.core.hbone;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.core.relay.PeerAborted;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes an HTTP/2 stream look like a byte socket to the relay: DATA payloads are read as
 * {@code ByteBuf}s, END_STREAM becomes {@link ChannelInputShutdownEvent}, RST_STREAM becomes
 * {@link PeerAborted}; written {@code ByteBuf}s become DATA frames.
 *
 * <p>Until {@link #established()} the first HEADERS frames pass through for the CONNECT handlers;
 * afterwards a HEADERS frame can only be trailers and ends the input.
 *
 * <p>Ownership: a DATA frame's payload is the frame's only reference-counted part, so firing
 * {@code content()} hands the frame's reference on; a single outgoing buffer is wrapped, not copied.
 *
 * <p>Written buffers are held until the next flush (or the next write that is not a buffer, or a
 * close) and leave as one DATA frame. When several were written (a relay's read batch, a proxied
 * request's head and body), they are copied into one pooled direct buffer first: otherwise HTTP/2
 * flow control joins them into a {@code CompositeByteBuf}, and the TLS handler's copy of a composite
 * slice into its (adaptive-allocator) cumulation goes through a temporary heap buffer of the
 * frame's size, an allocation and a second copy for every flush. Batches over {@link #MERGE_LIMIT}
 * bytes are written as they are.
 */
final class StreamByteCodec extends ChannelDuplexHandler {

    /** Held buffers up to one default-size DATA frame in total are merged; larger batches are written as they are. */
    static final int MERGE_LIMIT = 16 * 1024;

    private final String peer;
    private final HboneMetrics metrics;
    private boolean established;
    /** Buffers written since the last flush, and their promises (same index). */
    private final ArrayList<ByteBuf> held = new ArrayList<>(4);
    private final ArrayList<ChannelPromise> heldPromises = new ArrayList<>(4);

    StreamByteCodec(String peer, HboneMetrics metrics) {
        this.peer = peer;
        this.metrics = metrics;
    }

    void established() {
        established = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            ByteBuf content = data.content();
            if (content.isReadable()) {
                metrics.bytesIn.increment(content.readableBytes());
                ctx.fireChannelRead(content);
            } else {
                content.release();
            }
            if (data.isEndStream()) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } else if (msg instanceof Http2HeadersFrame headers) {
            if (!established) {
                ctx.fireChannelRead(headers);
            } else if (headers.isEndStream()) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } else if (msg instanceof Http2ResetFrame reset) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            ctx.fireUserEventTriggered(new PeerAborted("RST_STREAM " + (error == null ? reset.errorCode() : error)
                    + " from HBONE peer " + peer));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesOut.increment(buf.readableBytes());
            held.add(buf);
            heldPromises.add(promise);
        } else {
            writeHeld(ctx);
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHeld(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // Written-but-unflushed bytes went straight to the connection before holding existed: keep that.
        writeHeld(ctx);
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            return;
        }
        ClosedChannelException gone = new ClosedChannelException();
        for (int i = 0; i < held.size(); i++) {
            held.get(i).release();
            heldPromises.get(i).tryFailure(gone);
        }
        held.clear();
        heldPromises.clear();
    }

    private void writeHeld(ChannelHandlerContext ctx) {
        int n = held.size();
        if (n == 0) {
            return;
        }
        if (n == 1) {
            ByteBuf only = held.getFirst();
            ChannelPromise promise = heldPromises.getFirst();
            held.clear();
            heldPromises.clear();
            ctx.write(new DefaultHttp2DataFrame(only, false), promise);
            return;
        }
        int total = 0;
        for (ByteBuf b : held) {
            total += b.readableBytes();
        }
        if (total > MERGE_LIMIT) {
            // Bulk: most frame-sized slices of the composite then lie in one component, which the TLS
            // handler copies without the heap detour; merging would only add a copy.
            ByteBuf[] buffers = held.toArray(new ByteBuf[0]);
            ChannelPromise[] promises = heldPromises.toArray(new ChannelPromise[0]);
            held.clear();
            heldPromises.clear();
            for (int i = 0; i < n; i++) {
                ctx.write(new DefaultHttp2DataFrame(buffers[i], false), promises[i]);
            }
            return;
        }
        ByteBuf merged = ctx.alloc().directBuffer(total);
        for (ByteBuf b : held) {
            merged.writeBytes(b, b.readerIndex(), b.readableBytes());
            b.release();
        }
        ChannelPromise promise = combined(ctx, new ArrayList<>(heldPromises));
        held.clear();
        heldPromises.clear();
        ctx.write(new DefaultHttp2DataFrame(merged, false), promise);
    }

    /** One promise for a merged write that completes each of {@code promises} (void ones: exceptionCaught on failure). */
    private static ChannelPromise combined(ChannelHandlerContext ctx, List<ChannelPromise> promises) {
        boolean allVoid = true;
        for (ChannelPromise p : promises) {
            allVoid &= p.isVoid();
        }
        if (allVoid) {
            return ctx.voidPromise();
        }
        ChannelPromise merged = ctx.newPromise();
        merged.addListener(f -> {
            boolean reported = false;
            for (ChannelPromise p : promises) {
                if (f.isSuccess()) {
                    p.trySuccess();
                } else if (!p.isVoid()) {
                    p.tryFailure(f.cause());
                } else if (!reported) {
                    reported = true;
                    ctx.fireExceptionCaught(f.cause());
                }
            }
        });
        return merged;
    }
}
