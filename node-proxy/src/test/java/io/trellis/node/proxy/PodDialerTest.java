package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;
import io.trellis.proxy.core.transport.Transport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pod connector supplies its own socket through a channel factory, which a Bootstrap accepts only
 * once: the dialer hands it a copy without one (otherwise the connect silently never completes).
 */
class PodDialerTest {

    @Test
    void copyKeepsEverythingButTheChannelClassAndAcceptsAFactory() {
        EventLoopGroup group = Transport.NIO.newEventLoopGroup(1, "pod-dialer-test");
        try {
            AttributeKey<String> key = AttributeKey.valueOf("pod-dialer-test");
            ChannelInboundHandlerAdapter handler = new ChannelInboundHandlerAdapter();
            Bootstrap original = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(handler)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1234).option(ChannelOption.AUTO_READ, false)
                    .attr(key, "v");
            Bootstrap copy = PodDialer.withoutChannelFactory(original);
            assertThat(copy.config().group()).isSameAs(group);
            assertThat(copy.config().handler()).isSameAs(handler);
            assertThat(copy.config().options()).containsEntry(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1234)
                    .containsEntry(ChannelOption.AUTO_READ, false);
            assertThat(copy.config().attrs()).containsEntry(key, "v");
            assertThat(copy.config().channelFactory()).isNull();
            copy.clone().channelFactory(NioSocketChannel::new); // what the connector does: must not throw
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
