package io.trellis.perf.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;

/**
 * The benchmark's HTTP server: answers every request with a body of the size the request asks for
 * in {@code x-response-bytes} (or the default), over HTTP/1.1 keep-alive or h2c with prior
 * knowledge, told apart by the first bytes. The answer is a slice of one shared zero buffer, so
 * the target itself allocates almost nothing per request.
 */
public final class HttpTarget implements AutoCloseable {

    /** The request header naming the response body size. */
    public static final String RESPONSE_BYTES_HEADER = "x-response-bytes";

    private final Channel channel;
    private final ByteBuf zeros;

    private HttpTarget(Channel channel, ByteBuf zeros) {
        this.channel = channel;
        this.zeros = zeros;
    }

    /**
     * Binds on 127.0.0.1 and an ephemeral port (or {@code port}).
     *
     * @param defaultResponseBytes body size when the request does not say
     * @param maxResponseBytes larger requests are answered 400
     */
    public static HttpTarget start(EventLoopGroup group, Class<? extends ServerChannel> channelType, int port,
            int defaultResponseBytes, int maxResponseBytes) throws InterruptedException {
        if (defaultResponseBytes < 0 || defaultResponseBytes > maxResponseBytes) {
            throw new IllegalArgumentException("default response size must be within 0.." + maxResponseBytes);
        }
        ByteBuf zeros = Unpooled.unreleasableBuffer(Unpooled.directBuffer(maxResponseBytes).writeZero(maxResponseBytes));
        Bodies bodies = new Bodies(zeros, defaultResponseBytes);
        Channel bound = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ProtocolSniffer(bodies));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        return new HttpTarget(bound, zeros);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        zeros.unwrap().release();
    }
}
