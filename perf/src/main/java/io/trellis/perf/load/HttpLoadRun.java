package io.trellis.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one open-loop HTTP load over already-opened connections. Everything (timer, lanes, every
 * connection) lives on one event loop, so there are no locks and the client costs one core at
 * most; at the suite's 5,000 rps that is a small fraction of it.
 */
public final class HttpLoadRun {

    /** Connections are opened this long before the first intended send, so connect time is not latency. */
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private HttpLoadRun() {}

    public static LoadResult run(EventLoop loop, Class<? extends SocketChannel> channelType, LoadConfig config)
            throws Exception {
        ByteBuf body = config.requestBytes() == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(config.requestBytes()).writeZero(config.requestBytes()));
        List<Channel> channels = new ArrayList<>();
        try {
            LaneSet lanes = connect(loop, channelType, config, body, channels);
            Promise<Long> done = loop.newPromise();
            loop.execute(() -> lanes.start(loop, done));
            long unfinished = done.sync().getNow();
            double seconds = config.duration().toNanos() / 1e9;
            return LoadResult.of(config.protocol().name().toLowerCase(java.util.Locale.ROOT),
                    config.connections(), config.rate(), seconds, lanes.stats, unfinished);
        } finally {
            for (Channel channel : channels) {
                channel.close().syncUninterruptibly();
            }
            if (body != Unpooled.EMPTY_BUFFER) {
                body.unwrap().release();
            }
        }
    }

    private static LaneSet connect(EventLoop loop, Class<? extends SocketChannel> channelType, LoadConfig config,
            ByteBuf body, List<Channel> channels) throws InterruptedException {
        RequestShape shape = new RequestShape(body, config.target().getHostString() + ":" + config.target().getPort(),
                config.responseBytes());
        List<RequestSender> clients = new ArrayList<>();
        for (int i = 0; i < config.connections(); i++) {
            ChannelHandler[] handlers;
            if (config.protocol() == LoadConfig.Protocol.HTTP1) {
                Http1Client client = new Http1Client(shape, false);
                clients.add(client);
                handlers = new ChannelHandler[] {new HttpClientCodec(), client};
            } else {
                Http2Client client = new Http2Client(shape);
                clients.add(client);
                handlers = new ChannelHandler[] {Http2FrameCodecBuilder.forClient()
                        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1 << 20))
                        .build(), client};
            }
            Channel channel = new Bootstrap()
                    .group(loop)
                    .channel(channelType)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new io.netty.channel.ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(handlers);
                        }
                    })
                    .connect(config.target()).sync().channel();
            channels.add(channel);
        }
        // The clock starts once every connection is open, so connection setup is not latency. The
        // clients only send after start, so binding their lanes now is in time.
        long start = System.nanoTime() + START_DELAY_NANOS;
        LoadStats stats = new LoadStats(start + config.warmup().toNanos());
        List<Lane> lanes = new ArrayList<>();
        for (RequestSender client : clients) {
            Lane lane = new Lane(client, stats, NanoClock.SYSTEM, config.maxInFlightPerConnection(),
                    config.maxBacklog());
            client.bind(lane);
            lanes.add(lane);
        }
        return new LaneSet(lanes, stats, config, start);
    }

    /** The schedule, the lanes and the drain, all driven from the event loop. */
    private static final class LaneSet {
        private final LoadStats stats;
        private final LoadConfig config;
        private final OpenLoopDriver driver;
        private long drainDeadline;

        LaneSet(List<Lane> lanes, LoadStats stats, LoadConfig config, long start) {
            this.stats = stats;
            this.config = config;
            long end = start + config.warmup().toNanos() + config.duration().toNanos();
            Arrivals arrivals = Arrivals.of(config.arrivals(), config.rate(), config.seed());
            this.driver = new OpenLoopDriver(arrivals, lanes, start, end);
        }

        void start(EventLoop loop, Promise<Long> done) {
            tick(loop, done);
        }

        private void tick(EventLoop loop, Promise<Long> done) {
            long now = System.nanoTime();
            long next = driver.tick(now);
            if (next != Long.MIN_VALUE) {
                loop.schedule(() -> tick(loop, done), next - now, TimeUnit.NANOSECONDS);
            } else {
                drainDeadline = now + config.drainTimeout().toNanos();
                drain(loop, done);
            }
        }

        private void drain(EventLoop loop, Promise<Long> done) {
            int outstanding = driver.outstanding();
            if (outstanding == 0 || System.nanoTime() - drainDeadline >= 0) {
                done.trySuccess((long) outstanding);
            } else {
                loop.schedule(() -> drain(loop, done), 1, TimeUnit.MILLISECONDS);
            }
        }
    }
}
