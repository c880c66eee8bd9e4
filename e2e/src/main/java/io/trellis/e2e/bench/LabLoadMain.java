package io.trellis.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.trellis.perf.load.HeldConnections;
import io.trellis.perf.load.HttpLoadRun;
import io.trellis.perf.load.LoadConfig;
import io.trellis.perf.load.LoadResult;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The load side inside a lab pod, so its traffic is captured like an application's (or not, in an unenrolled pod).
 * {@code load <host> <port> <rps> <connections> <warmupS> <durationS> <out.json>} runs perf's open-loop HTTP/1.1
 * load (1 KiB each way) and writes the {@link LoadResult}; {@code hold <host> <port> <count> <out> <stopFile>}
 * opens connections, writes how many are open, and holds them until {@code stopFile} exists.
 */
public final class LabLoadMain {

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
                    LoadResult result = HttpLoadRun.run(group.next(), NioSocketChannel.class, config);
                    Files.writeString(Path.of(args[7] + ".tmp"), new ObjectMapper().writeValueAsString(result));
                    Files.move(Path.of(args[7] + ".tmp"), Path.of(args[7]));
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
                default -> throw new IllegalArgumentException("mode must be load or hold, got " + args[0]);
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).await(5,
                    java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
