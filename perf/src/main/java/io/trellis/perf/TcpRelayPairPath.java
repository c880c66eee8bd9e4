package io.trellis.perf;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two plain TCP relays in a row (client -> A -> B -> target) with the same relay code and event
 * loops as the HBONE pair but no TLS or HTTP/2: separates the cost of two proxy hops from the cost
 * of the tunnel itself.
 */
final class TcpRelayPairPath implements BenchPath.Factory {

    private final Transport transport;
    private final EventLoopGroup proxyA;
    private final EventLoopGroup proxyB;
    private final boolean splice;

    TcpRelayPairPath(Transport transport, EventLoopGroup proxyA, EventLoopGroup proxyB, boolean splice) {
        this.transport = transport;
        this.proxyA = proxyA;
        this.proxyB = proxyB;
        this.splice = splice;
    }

    @Override
    public String name() {
        return splice ? "tcp-relay-pair-splice" : "tcp-relay-pair";
    }

    @Override
    public String description() {
        return "client -> relay A -> relay B -> target, plain TCP, "
                + (splice ? "splice(2) where both sides are epoll" : "copy through user space")
                + "; two proxy hops without the tunnel";
    }

    @Override
    public BenchPath open(InetSocketAddress target) throws InterruptedException {
        List<Channel> listeners = new ArrayList<>();
        Channel b = listen(proxyB, target);
        listeners.add(b);
        Channel a = listen(proxyA, (InetSocketAddress) b.localAddress());
        listeners.add(a);
        return new BenchPath() {
            @Override
            public InetSocketAddress entry() {
                return (InetSocketAddress) a.localAddress();
            }

            @Override
            public void close() {
                listeners.forEach(ch -> ch.close().syncUninterruptibly());
            }
        };
    }

    private Channel listen(EventLoopGroup group, InetSocketAddress next) throws InterruptedException {
        TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(5));
        return ChannelTuning.server(new ServerBootstrap())
                .group(group)
                .channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.pipeline().remove(this);
                                Channel downstream = ctx.channel();
                                connector.connect(next, downstream.eventLoop()).addListener(done -> {
                                    Channel upstream = ((io.netty.channel.ChannelFuture) done).channel();
                                    if (done.isSuccess()) {
                                        Relay.start(downstream, upstream, null, null, splice);
                                    } else {
                                        downstream.config().setOption(ChannelOption.SO_LINGER, 0);
                                        downstream.close();
                                    }
                                });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }
}
