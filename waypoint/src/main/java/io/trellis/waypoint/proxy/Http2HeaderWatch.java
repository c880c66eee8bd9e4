package io.trellis.waypoint.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import org.jspecify.annotations.Nullable;

/**
 * Times HTTP/2 header blocks for the {@link HeaderReadDeadline}: it reads only the 9-byte frame
 * headers of the bytes passing to the codec (payloads are skipped by length, nothing is copied or
 * changed) and arms the deadline while a HEADERS or PUSH_PROMISE block is open, i.e. until the
 * frame carrying END_HEADERS has fully arrived. The codec itself holds such a block until it
 * completes, so without this a client trickling one header block would hold the tunnel forever.
 * The connection preface is timed the same way: the deadline armed at tunnel open is released
 * once all 24 preface bytes are in.
 */
final class Http2HeaderWatch extends ChannelInboundHandlerAdapter implements HeaderReadDeadline.Expiry {

    private static final int PREFACE_BYTES = 24;
    private static final int FRAME_HEADER_BYTES = 9;
    private static final int HEADERS = 0x1;
    private static final int PUSH_PROMISE = 0x5;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final HeadTimer deadline;
    private final byte[] frameHeader = new byte[FRAME_HEADER_BYTES];
    private @Nullable Channel channel;
    private int prefaceLeft = PREFACE_BYTES;
    private int headerFill;
    private long payloadLeft;
    private boolean blockOpen;
    private boolean frameEndsBlock;

    Http2HeaderWatch(HeadTimer deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext hctx) {
        channel = hctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext hctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            scan(buf);
        }
        hctx.fireChannelRead(msg);
    }

    /** Follows the frame boundaries through {@code buf} without moving its indexes. */
    void scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                i += n;
                prefaceLeft -= n;
                if (prefaceLeft == 0) {
                    deadline.disarm();
                }
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                i += n;
                payloadLeft -= n;
                if (payloadLeft == 0) {
                    frameDone();
                }
            } else {
                frameHeader[headerFill++] = buf.getByte(i++);
                if (headerFill == FRAME_HEADER_BYTES) {
                    headerFill = 0;
                    frameHeaderDone();
                }
            }
        }
    }

    private void frameHeaderDone() {
        long length = ((frameHeader[0] & 0xffL) << 16) | ((frameHeader[1] & 0xffL) << 8) | (frameHeader[2] & 0xffL);
        int type = frameHeader[3] & 0xff;
        int flags = frameHeader[4] & 0xff;
        boolean headerFrame = type == HEADERS || type == PUSH_PROMISE || type == CONTINUATION;
        if (headerFrame && !blockOpen) {
            blockOpen = true;
            deadline.armNow();
        }
        frameEndsBlock = headerFrame && (flags & END_HEADERS) != 0;
        payloadLeft = length;
        if (length == 0) {
            frameDone();
        }
    }

    private void frameDone() {
        if (blockOpen && frameEndsBlock) {
            blockOpen = false;
            deadline.disarm();
        }
    }

    /** Whether a header block has begun and not yet ended (for tests). */
    boolean blockOpen() {
        return blockOpen;
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    /** GOAWAY (ENHANCE_YOUR_CALM) through the codec, then close: no stream exists to answer with 408. */
    @Override
    public void headerReadTimedOut() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (prefaceLeft > 0) {
            ch.close(); // the codec has not seen a preface: it cannot send a GOAWAY yet
            return;
        }
        ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
