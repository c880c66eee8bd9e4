package io.trellis.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * The new-connections mode: every request opens its own connection, sends one HTTP/1.1 request
 * with {@code Connection: close} and counts from the intended time to the end of the answer, so
 * connection setup through every proxy hop (and its TLS handshake) is in the latency.
 */
final class ConnectingSender implements RequestSender {

    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelType;
    private final InetSocketAddress target;
    private final ByteBuf body;
    private final int responseBytes;
    private @Nullable Lane lane;

    ConnectingSender(EventLoop loop, Class<? extends SocketChannel> channelType, InetSocketAddress target,
            ByteBuf body, int responseBytes) {
        this.loop = loop;
        this.channelType = channelType;
        this.target = target;
        this.body = body;
        this.responseBytes = responseBytes;
    }

    @Override
    public void bind(Lane lane) {
        this.lane = lane;
    }

    @Override
    public void send(long intendedNanos) {
        Lane bound = lane;
        if (bound == null) {
            throw new IllegalStateException("send before bind(lane)");
        }
        Http1Client client = new Http1Client(new RequestShape(body, target.getHostString() + ":" + target.getPort(),
                responseBytes), true);
        client.bind(bound);
        new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_LINGER, 0)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), client, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                client.send(intendedNanos);
                                ctx.fireChannelActive();
                            }
                        });
                    }
                })
                .connect(target)
                .addListener(connected -> {
                    if (!connected.isSuccess()) {
                        bound.completed(intendedNanos, false);
                    }
                });
    }
}
