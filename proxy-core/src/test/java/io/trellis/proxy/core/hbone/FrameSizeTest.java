package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Both ends of an HBONE connection accept 64 KiB DATA frames, and each end's writer uses the other's limit. */
class FrameSizeTest {

    @Test
    void bothEndsAdvertiseAndUseSixtyFourKibibyteFrames() throws Exception {
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(1, "frame-size-test");
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            Http2StreamChannel stream = fixture.pool.open(fixture.request(upstream, new InetSocketAddress("127.0.0.1", 1)))
                    .get(10, TimeUnit.SECONDS);
            try {
                Http2FrameCodec codec = stream.parent().pipeline().get(Http2FrameCodec.class);
                long[] limits = stream.eventLoop().submit(() -> new long[] {
                        codec.encoder().configuration().frameSizePolicy().maxFrameSize(),
                        codec.decoder().localSettings().maxFrameSize()}).get(10, TimeUnit.SECONDS);

                assertThat(limits[0]).as("client writes up to the server's SETTINGS_MAX_FRAME_SIZE")
                        .isEqualTo(FlowControl.MAX_FRAME_SIZE).isEqualTo(64 * 1024);
                assertThat(limits[1]).as("client accepts").isEqualTo(FlowControl.MAX_FRAME_SIZE);
            } finally {
                stream.close().syncUninterruptibly();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
