package io.trellis.perf;

import io.netty.channel.EventLoopGroup;
import io.trellis.perf.echo.BulkRun;
import io.trellis.perf.echo.EchoServer;
import io.trellis.perf.echo.PingPongRun;
import io.trellis.perf.report.LatencySummary;
import io.trellis.perf.report.PathResult;
import io.trellis.perf.report.RunReport;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The tunnel benchmark: 1 KiB echo round trips and single-stream throughput over each path
 * (direct, two plain relays, the HBONE pair), repeated, in one process and one run so the paths
 * are compared on the same machine state.
 *
 * <p>Threads: the client and the target servers share two event loops; each proxy has its own
 * single event loop, as each node-proxy would be its own process. On a 2-core machine the four
 * loops compete for cores, which inflates every path's tail alike.
 */
final class TunnelBenchmark {

    private final Transport transport;
    private final RunReport.Parameters parameters;
    private final PrintStream progress;

    TunnelBenchmark(Transport transport, RunReport.Parameters parameters, PrintStream progress) {
        this.transport = transport;
        this.parameters = parameters;
        this.progress = progress;
    }

    RunReport run() throws Exception {
        String startedAt = Instant.now().toString();
        // Two loops for the apps so the client and the target server do not share one thread.
        EventLoopGroup apps = transport.newEventLoopGroup(2, "bench-app");
        EventLoopGroup proxyA = transport.newEventLoopGroup(1, "bench-proxy-a");
        EventLoopGroup proxyB = transport.newEventLoopGroup(1, "bench-proxy-b");
        try (HbonePairPath hbone = new HbonePairPath(transport, proxyA, proxyB);
             EchoServer echo = EchoServer.start(apps, transport.serverSocketChannel(), EchoServer.Mode.ECHO, 0);
             EchoServer sink = EchoServer.start(apps, transport.serverSocketChannel(), EchoServer.Mode.SINK,
                     parameters.bulkBytes())) {
            List<BenchPath.Factory> paths = List.of(
                    new BenchPath.Direct(),
                    new TcpRelayPairPath(transport, proxyA, proxyB, false),
                    hbone);
            List<PathResult> results = new ArrayList<>();
            for (BenchPath.Factory path : paths) {
                results.add(measure(path, apps, echo.address(), sink.address()));
            }
            return new RunReport("tunnel", startedAt, environment(), parameters, results);
        } finally {
            apps.shutdownGracefully().syncUninterruptibly();
            proxyA.shutdownGracefully().syncUninterruptibly();
            proxyB.shutdownGracefully().syncUninterruptibly();
        }
    }

    private PathResult measure(BenchPath.Factory factory, EventLoopGroup apps, InetSocketAddress echo,
            InetSocketAddress sink) throws Exception {
        List<LatencySummary> latency = new ArrayList<>();
        List<Double> throughput = new ArrayList<>();
        try (BenchPath toEcho = factory.open(echo); BenchPath toSink = factory.open(sink)) {
            for (int rep = 1; rep <= parameters.repetitions(); rep++) {
                LatencySummary rtt = LatencySummary.of(PingPongRun.run(apps, transport.socketChannel(), toEcho.entry(),
                        parameters.payloadBytes(), parameters.warmup(), parameters.iterations()));
                long nanos = BulkRun.run(apps, transport.socketChannel(), toSink.entry(), parameters.bulkBytes());
                double mibps = (parameters.bulkBytes() / (1024.0 * 1024.0)) / (nanos / 1e9);
                latency.add(rtt);
                throughput.add(mibps);
                progress.printf("%-22s rep %d/%d  p50 %6.0f µs  p99 %6.0f µs  %8.0f MiB/s%n", factory.name(), rep,
                        parameters.repetitions(), rtt.p50(), rtt.p99(), mibps);
            }
        }
        return new PathResult(factory.name(), factory.description(), latency, throughput);
    }

    private RunReport.Environment environment() {
        return new RunReport.Environment(Runtime.version().toString(), transport.settingName(),
                TlsContexts.provider().toString(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }
}
