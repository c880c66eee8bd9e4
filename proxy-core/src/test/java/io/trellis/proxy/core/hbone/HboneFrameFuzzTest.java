package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.trellis.identity.SpiffeId;
import java.time.Duration;

/**
 * Coverage-guided fuzzing of the HBONE server's HTTP/2 handling: after a valid client preface and SETTINGS,
 * arbitrary bytes go into exactly the pipeline an authenticated TLS client gets ({@link
 * ServerConnectionHandler#startHttp2}: Netty's codec with our settings and limits, the stream multiplexer, the
 * CONNECT handler). The oracle: no exception escapes the pipeline (protocol errors are answered with
 * RST_STREAM/GOAWAY by the codec), no buffer leaks (the paranoid leak detector fails the class), and the
 * channel's outbound backlog stays bounded. The handler refuses every CONNECT, so no sockets are opened.
 * Seeds in {@code HboneFrameFuzzTestInputs/framesNeverEscape/}: CONNECT, CONNECT+DATA, rapid reset, bad
 * pseudo-headers, PING/SETTINGS/WINDOW_UPDATE, CONTINUATION.
 */
class HboneFrameFuzzTest {

    private static final SpiffeId PEER = SpiffeId.of("cluster.local", "front", "fuzzer");
    private static final int MAX_OUTBOUND_BYTES = 4 * 1024 * 1024;

    @FuzzTest(maxDuration = "30s")
    void framesNeverEscape(byte[] frames) {
        ServerConnectionHandler gate = new ServerConnectionHandler(new HboneServerConfig(16, Duration.ofSeconds(1)),
                request -> HboneHandler.reject(403, "fuzz target refuses every CONNECT"),
                new HboneMetrics(new SimpleMeterRegistry(), "server"));
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            ch.pipeline().addLast("gate", gate);
            gate.startHttp2(ch.pipeline().context(gate), PEER, "fuzz");
            ByteBuf preface = Unpooled.wrappedBuffer(Http2CodecUtil.connectionPrefaceBuf(),
                    // empty SETTINGS frame: length 0, type 4, flags 0, stream 0
                    Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}));
            ch.writeInbound(preface);
            if (ch.isOpen()) {
                ch.writeInbound(Unpooled.wrappedBuffer(frames));
            }
            ch.runPendingTasks();
            ch.checkException();
            long outbound = 0;
            for (Object msg : ch.outboundMessages()) {
                outbound += msg instanceof ByteBuf b ? b.readableBytes() : 0;
            }
            assertThat(outbound).as("bytes queued towards the client").isLessThan(MAX_OUTBOUND_BYTES);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
