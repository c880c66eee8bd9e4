package io.trellis.proxy.core.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

/**
 * Socket options every proxied TCP connection gets, in one place.
 *
 * <p>All proxied sockets start with {@code AUTO_READ} off (the relay reads only when the other side
 * can take the bytes) and {@code ALLOW_HALF_CLOSURE} on (a FIN in one direction must not tear down
 * the other direction).
 */
public final class ChannelTuning {

    /**
     * Smallest read buffer. Interactive traffic (a keystroke, a 200-byte RPC) should not pin a large
     * buffer per idle connection; 1 KiB covers most small messages in one read.
     */
    public static final int RECV_MIN = 1024;
    /** First guess: one TLS record's worth (16 KiB) is a good fit for a request/response exchange. */
    public static final int RECV_INITIAL = 16 * 1024;
    /**
     * Largest read buffer. Bulk transfers grow to 256 KiB so one read drains what a 10 Gbit/s link
     * delivers in ~0.2 ms, amortising the per-read cost; beyond that the gain is small and each
     * connection could pin more memory.
     */
    public static final int RECV_MAX = 256 * 1024;

    /**
     * Outbound high water mark: above it the channel reports unwritable and the relay stops reading the
     * other side. It is one maximum read (256 KiB) so a single read never overshoots it by more than
     * itself; the bound per direction is thus about 2 x 256 KiB.
     */
    public static final int WRITE_HIGH = 256 * 1024;
    /** Resume reading once half the high mark has drained, so reads resume in large batches. */
    public static final int WRITE_LOW = 128 * 1024;

    private ChannelTuning() {}

    /** The adaptive receive allocator (1 KiB .. 16 KiB .. 256 KiB). */
    public static RecvByteBufAllocator recvAllocator() {
        return new AdaptiveRecvByteBufAllocator(RECV_MIN, RECV_INITIAL, RECV_MAX);
    }

    /** Write watermarks for proxied channels. */
    public static WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(WRITE_LOW, WRITE_HIGH);
    }

    /** Options for an outgoing proxied TCP connection (upstream or HBONE). */
    public static Bootstrap client(Bootstrap bootstrap) {
        return bootstrap
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, recvAllocator())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark());
    }

    /** Options for accepted proxied TCP connections. */
    public static ServerBootstrap server(ServerBootstrap bootstrap) {
        return bootstrap
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, recvAllocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark());
    }
}
