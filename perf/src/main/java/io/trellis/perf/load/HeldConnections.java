package io.trellis.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Many idle connections held open through a path, each proven end to end by one answered
 * HTTP/1.1 request: what a proxy's memory looks like with thousands of open connections.
 * Connections are opened at most {@code WINDOW} at a time so the target's accept queue is not
 * what is measured.
 */
public final class HeldConnections implements AutoCloseable {

    private static final int WINDOW = 100;

    private final List<Channel> channels;
    private final int failed;

    private HeldConnections(List<Channel> channels, int failed) {
        this.channels = channels;
        this.failed = failed;
    }

    /** Opens {@code count} connections to {@code target}; waits at most {@code timeoutSeconds}. */
    public static HeldConnections open(EventLoop loop, Class<? extends SocketChannel> channelType,
            InetSocketAddress target, int count, long timeoutSeconds) throws InterruptedException {
        Opener opener = new Opener(loop, channelType, target, count);
        loop.execute(opener::start);
        if (!opener.done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            loop.execute(() -> opener.done.trySuccess(null));
            opener.done.await(5, TimeUnit.SECONDS);
        }
        return new HeldConnections(opener.open, count - opener.open.size());
    }

    public int open() {
        return channels.size();
    }

    public int failed() {
        return failed;
    }

    @Override
    public void close() {
        for (Channel channel : channels) {
            channel.close();
        }
        for (Channel channel : channels) {
            channel.closeFuture().syncUninterruptibly();
        }
    }

    /** Runs on the event loop: keeps up to WINDOW connections opening until {@code count} were tried. */
    private static final class Opener {
        private final EventLoop loop;
        private final Class<? extends SocketChannel> channelType;
        private final InetSocketAddress target;
        private final int count;
        private final Promise<Void> done;
        private final List<Channel> open = new ArrayList<>();
        private int started;
        private int finished;

        Opener(EventLoop loop, Class<? extends SocketChannel> channelType, InetSocketAddress target, int count) {
            this.loop = loop;
            this.channelType = channelType;
            this.target = target;
            this.count = count;
            this.done = loop.newPromise();
        }

        void start() {
            while (started < count && started - finished < WINDOW) {
                started++;
                connectOne();
            }
            if (finished == count) {
                done.trySuccess(null);
            }
        }

        private void connectOne() {
            new Bootstrap()
                    .group(loop)
                    .channel(channelType)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new ProveOnce());
                        }
                    })
                    .connect(target)
                    .addListener(connected -> {
                        if (!connected.isSuccess()) {
                            finishOne(null);
                        }
                    });
        }

        private void finishOne(@Nullable Channel proven) {
            finished++;
            if (proven != null && !done.isDone()) {
                open.add(proven);
            } else if (proven != null) {
                proven.close();
            }
            start();
        }

        /** Sends one request on connect; the first complete answer proves the connection. */
        private final class ProveOnce extends ChannelInboundHandlerAdapter {
            private boolean counted;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
                request.headers().set(HttpHeaderNames.HOST, target.getHostString())
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                        .setInt(Http1Client.RESPONSE_BYTES_HEADER, 0);
                ctx.writeAndFlush(request, ctx.voidPromise());
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last && !counted) {
                    counted = true;
                    finishOne(ctx.channel());
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (!counted) {
                    counted = true;
                    finishOne(null);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
