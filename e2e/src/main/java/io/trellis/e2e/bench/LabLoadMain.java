package io.trellis.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.trellis.perf.echo.BulkRun;
import io.trellis.perf.load.Arrivals;
import io.trellis.perf.load.ConnectRateRun;
import io.trellis.perf.load.HeldConnections;
import io.trellis.perf.load.HttpLoadRun;
import io.trellis.perf.load.LoadConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The load side inside a lab pod, so its traffic is captured like an application's (or not, in an unenrolled pod).
 * {@code load <host> <port> <rps> <connections> <warmupS> <durationS> <out.json>} runs perf's open-loop HTTP/1.1
 * load (1 KiB each way) and writes the {@link io.trellis.perf.load.LoadResult}; {@code bulk <host> <port> <bytes>
 * <out.json>} sends {@code bytes} on one connection to a {@link LabSinkMain} and writes {@code bytes} and the
 * {@code nanos} until the sink confirmed the last byte; {@code connect <host> <port> <rate> <warmupS> <durationS>
 * <out.json>} opens a new connection per request at {@code rate} per second (open loop, one 1 KiB request with
 * {@code Connection: close} each) and writes the {@link io.trellis.perf.load.LoadResult};
 * {@code hold <host> <port> <count> <out> <stopFile>} opens connections, writes how many are open, and holds them
 * until {@code stopFile} exists.
 */
public final class LabLoadMain {

    /** New-connection runs: at most this many open at once (as perf's suite); later arrivals wait, and it counts. */
    static final int CONNECT_MAX_OPEN = 256;

    private LabLoadMain() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
            switch (args[0]) {
                case "load" -> {
                    LoadConfig config = LoadConfig.of(LoadConfig.Protocol.HTTP1, target, Integer.parseInt(args[4]),
                            Double.parseDouble(args[3]), Duration.ofSeconds(Long.parseLong(args[5])),
                            Duration.ofSeconds(Long.parseLong(args[6])));
                    write(args[7], HttpLoadRun.run(group.next(), NioSocketChannel.class, config));
                }
                case "bulk" -> {
                    long bytes = Long.parseLong(args[3]);
                    long nanos = BulkRun.run(group, NioSocketChannel.class, target, bytes);
                    write(args[4], Map.of("bytes", bytes, "nanos", nanos));
                }
                case "connect" -> {
                    LoadConfig config = new LoadConfig(LoadConfig.Protocol.HTTP1, target, 1, Arrivals.Kind.POISSON,
                            Double.parseDouble(args[3]), 42, Duration.ofSeconds(Long.parseLong(args[4])),
                            Duration.ofSeconds(Long.parseLong(args[5])), 1024, 1024, 10_000, 1,
                            Duration.ofSeconds(10));
                    write(args[6], ConnectRateRun.run(group.next(), NioSocketChannel.class, config,
                            CONNECT_MAX_OPEN));
                }
                case "hold" -> {
                    try (HeldConnections held = HeldConnections.open(group.next(), NioSocketChannel.class, target,
                            Integer.parseInt(args[3]), 120)) {
                        Files.writeString(Path.of(args[4] + ".tmp"), held.open() + " " + held.failed());
                        Files.move(Path.of(args[4] + ".tmp"), Path.of(args[4]));
                        Path stop = Path.of(args[5]);
                        while (!Files.exists(stop)) {
                            Thread.sleep(100);
                        }
                    }
                }
                default -> throw new IllegalArgumentException("mode must be load, bulk, connect or hold, got "
                        + args[0]);
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).await(5,
                    java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Writes {@code value} as JSON to a temporary file first, so the benchmark never reads half a result. */
    private static void write(String file, Object value) throws java.io.IOException {
        Files.writeString(Path.of(file + ".tmp"), new ObjectMapper().writeValueAsString(value));
        Files.move(Path.of(file + ".tmp"), Path.of(file));
    }
}
