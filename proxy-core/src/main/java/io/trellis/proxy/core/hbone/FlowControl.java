package io.trellis.proxy.core.hbone;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * HTTP/2 flow-control windows for HBONE, and why.
 *
 * <p>A stream can have at most one window of unacknowledged data in flight, so its throughput is
 * capped at {@code window / RTT}. The HTTP/2 default (64 KiB) caps a tunnel at ~500 Mbit/s with a
 * 1 ms round trip, well below what node-to-node links carry; the windows below are sized to the
 * bandwidth-delay product of a fast data-centre path while keeping per-connection memory bounded.
 */
public final class FlowControl {

    /**
     * Per-stream receive window: 4 MiB. Bandwidth-delay product of 10 Gbit/s at 3 ms RTT is
     * 3.75 MB, so one tunnel can fill a 10 Gbit/s cross-zone path; within a rack (0.2 ms) the window
     * is never the limit. It is also the most one stalled reader can make us buffer.
     */
    public static final int STREAM_WINDOW = 4 * 1024 * 1024;

    /**
     * Per-connection receive window: 16 MiB, i.e. four streams at full speed at once. It bounds the
     * unread bytes a peer can push at us over one connection regardless of how many streams it
     * multiplexes, so a thousand stalled streams cost 16 MiB, not 4 GiB.
     */
    public static final int CONNECTION_WINDOW = 16 * 1024 * 1024;

    /**
     * Largest DATA frame we accept (SETTINGS_MAX_FRAME_SIZE): 64 KiB instead of the protocol's 16 KiB. A relay read
     * of bulk data (up to 256 KiB) then leaves as a few frames instead of many, and the receiving side handles a
     * quarter of the frames, each one a read event, a relay write and a socket write. Measured on the lab's
     * single-stream transfer (256 MiB, 2 interleaved rounds of 3): the receiving node-proxy's CPU per GiB fell from
     * 0.84-0.92 to 0.76 s and throughput rose ~8 % (perf/results/profiles.md, "HTTP/2 frame size"). Small writes
     * are unaffected (a 1 KiB request is one 1 KiB frame either way), and a 64 KiB frame holds other streams on the
     * connection back by ~50 µs at 10 Gbit/s at most.
     */
    public static final int MAX_FRAME_SIZE = 64 * 1024;

    /**
     * Streams a server lets one client connection open. High enough that a busy client node rarely
     * needs a second connection for capacity; clients cap themselves lower (see the pool's limit) to
     * spread load over a few connections.
     */
    public static final int SERVER_MAX_CONCURRENT_STREAMS = 1000;

    private FlowControl() {}

    /**
     * Raises the connection receive window to {@link #CONNECTION_WINDOW} with one WINDOW_UPDATE
     * (the codec has already raised it somewhat to match the stream window).
     */
    static void raiseConnectionWindow(Channel channel, Http2FrameCodec codec) {
        Http2Connection connection = codec.connection();
        int current = connection.local().flowController().windowSize(connection.connectionStream());
        if (current < CONNECTION_WINDOW) {
            channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - current));
        }
    }

    static Http2Settings serverSettings(int maxConcurrentStreams) {
        return Http2Settings.defaultSettings()
                .initialWindowSize(STREAM_WINDOW)
                .maxFrameSize(MAX_FRAME_SIZE)
                .maxConcurrentStreams(maxConcurrentStreams);
    }

    static Http2Settings clientSettings() {
        return Http2Settings.defaultSettings()
                .initialWindowSize(STREAM_WINDOW)
                .pushEnabled(false)
                .maxFrameSize(MAX_FRAME_SIZE)
                // A server has no business opening streams towards a client.
                .maxConcurrentStreams(0);
    }
}
