package io.trellis.perf.suite;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.trellis.perf.echo.BulkRun;
import io.trellis.perf.echo.EchoServer;
import io.trellis.perf.load.Arrivals;
import io.trellis.perf.load.ConnectRateRun;
import io.trellis.perf.load.HeldConnections;
import io.trellis.perf.load.HttpLoadRun;
import io.trellis.perf.load.LoadConfig;
import io.trellis.perf.load.LoadResult;
import io.trellis.perf.peer.ClasspathSnapshot;
import io.trellis.perf.peer.ProcUsage;
import io.trellis.perf.report.RunReport;
import io.trellis.perf.server.HttpTarget;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a suite on loopback: for each path, the open-loop HTTP load at every rate and connection
 * count, repeated; then single-stream throughput and new connections per second. The load
 * generator and the target each have one event loop in this JVM; every proxy runs in its own
 * process(es), set up once per path and kept for all of that path's runs, so /proc shows what the
 * proxies alone used.
 */
public final class SuiteRunner {

    private final Transport transport;
    private final SuiteConfig config;
    private final Path runDir;
    private final PrintStream progress;
    private String childClasspath = "";

    public SuiteRunner(Transport transport, SuiteConfig config, Path runDir, PrintStream progress) {
        this.transport = transport;
        this.config = config;
        this.runDir = runDir;
        this.progress = progress;
    }

    public SuiteReport run() throws Exception {
        String startedAt = Instant.now().toString();
        double loadAtStart = SuiteReport.HostLoad.now();
        // Read before the long run: everything the end of the run needs is loaded now.
        RunReport.Environment environment = new RunReport.Environment(Runtime.version().toString(),
                transport.settingName(), TlsContexts.provider().toString(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
        childClasspath = ClasspathSnapshot.copy(System.getProperty("java.class.path"), runDir.resolve("classpath"));
        EventLoopGroup load = transport.newEventLoopGroup(1, "suite-load");
        EventLoopGroup server = transport.newEventLoopGroup(1, "suite-target");
        List<Measurement> measurements = new ArrayList<>();
        List<OtherMeasurement> others = new ArrayList<>();
        try (HttpTarget target = HttpTarget.start(server, transport.serverSocketChannel(), 0,
                     config.responseBytes(), Math.max(64 * 1024, config.responseBytes()));
             EchoServer sink = EchoServer.start(server, transport.serverSocketChannel(), EchoServer.Mode.SINK,
                     Math.max(1, config.bulkBytes()))) {
            runLoad(load.next(), target.address(), measurements, others);
            if (config.bulkBytes() > 0) {
                for (PathKind path : config.paths()) {
                    runBulk(path, load, sink.address(), others);
                }
            }
        } finally {
            load.shutdownGracefully().syncUninterruptibly();
            server.shutdownGracefully().syncUninterruptibly();
        }
        return new SuiteReport(config.scenario(), startedAt, environment, config,
                new SuiteReport.HostLoad(loadAtStart, SuiteReport.HostLoad.now()), measurements, others);
    }

    /**
     * Every path is started up front and the paths take turns within each (rate, connections,
     * repetition), starting with a different path each repetition: on a machine whose load drifts,
     * all paths then see about the same share of it, and the same-run comparison stays fair.
     */
    private void runLoad(EventLoop loop, InetSocketAddress target, List<Measurement> measurements,
            List<OtherMeasurement> others) throws Exception {
        List<PathSetup> setups = new ArrayList<>();
        try {
            for (PathKind path : config.paths()) {
                PathSetup setup = PathSetup.open(path, runDir.resolve(path.label()), target, config.childJvmFlags(),
                        childClasspath);
                setups.add(setup);
                if (!setup.pids().isEmpty()) {
                    others.add(new OtherMeasurement(path.label(), "idle-rss-kib", 0,
                            ProcUsage.sum(setup.pids()).rssKiB(), null, "after start, before any load"));
                }
            }
            int paths = setups.size();
            for (int rate : config.rates()) {
                for (int connections : config.connections()) {
                    for (int rep = 1; rep <= config.repetitions(); rep++) {
                        for (int turn = 0; turn < paths; turn++) {
                            int i = (turn + rep - 1) % paths;
                            measurements.add(measure(config.paths().get(i), setups.get(i), loop, rate, connections,
                                    rep));
                        }
                    }
                }
            }
            for (int i = 0; i < paths; i++) {
                PathKind path = config.paths().get(i);
                PathSetup setup = setups.get(i);
                if (config.connectRate() > 0) {
                    for (int rep = 1; rep <= config.repetitions(); rep++) {
                        others.add(measureConnects(path, setup, loop, rep));
                    }
                }
                if (config.heldConnections() > 0 && !setup.pids().isEmpty()) {
                    others.add(measureHeld(path, setup, loop));
                }
            }
        } finally {
            for (PathSetup setup : setups) {
                try {
                    setup.close();
                } catch (Exception e) {
                    // One path failing to stop must not leave the others running.
                    progress.println("warning: stopping a path failed: " + e.getMessage());
                }
            }
        }
    }

    private Measurement measure(PathKind path, PathSetup setup, EventLoop loop, int rate, int connections, int rep)
            throws Exception {
        LoadConfig load = new LoadConfig(config.protocol(), setup.entry(), connections, Arrivals.Kind.POISSON, rate,
                rep, config.warmup(), config.duration(), config.requestBytes(), config.responseBytes(), 1000, 100,
                Duration.ofSeconds(10));
        ProcUsage before = usage(setup);
        LoadResult result = HttpLoadRun.run(loop, transport.socketChannel(), load);
        ProcUsage after = usage(setup);
        Long rss = setup.pids().isEmpty() ? null : after.rssKiB();
        long requests = result.completed() + result.warmupCompleted();
        Double cpuPer1000 = setup.pids().isEmpty() || requests == 0 ? null
                : (after.cpuSeconds() - before.cpuSeconds()) * 1000.0 / requests;
        progress.printf("%-13s %5d rps %3d conn rep %d  p50 %7.0f µs  p99 %8.0f µs  p99.9 %8.0f µs  got %7.0f rps"
                        + "  err %d overflow %d%s%n", path.label(), rate, connections, rep, result.latencyMicros().p50(),
                result.latencyMicros().p99(), result.latencyMicros().p999(), result.achievedRps(),
                result.errors() + result.unfinished(), result.overflowed(),
                rss == null ? "" : String.format(java.util.Locale.ROOT, "  rss %.1f MiB  cpu %.3f s/1k req",
                        rss / 1024.0, cpuPer1000 == null ? 0.0 : cpuPer1000));
        return new Measurement(path.label(), rate, connections, rep, result, rss, cpuPer1000);
    }

    private OtherMeasurement measureConnects(PathKind path, PathSetup setup, EventLoop loop, int rep)
            throws Exception {
        LoadConfig load = new LoadConfig(LoadConfig.Protocol.HTTP1, setup.entry(), 1, Arrivals.Kind.POISSON,
                config.connectRate(), rep, config.warmup(), config.duration(), config.requestBytes(),
                config.responseBytes(), 10_000, 1, Duration.ofSeconds(10));
        ProcUsage before = usage(setup);
        LoadResult result = ConnectRateRun.run(loop, transport.socketChannel(), load, 256);
        ProcUsage after = usage(setup);
        progress.printf("%-13s connect %d/s rep %d  p50 %7.0f µs  p99 %8.0f µs  errors %d%n", path.label(),
                config.connectRate(), rep, result.latencyMicros().p50(), result.latencyMicros().p99(),
                result.errors() + result.unfinished() + result.overflowed());
        return new OtherMeasurement(path.label(), "connect-p99-us", rep, result.latencyMicros().p99(),
                setup.pids().isEmpty() ? null : after.cpuSeconds() - before.cpuSeconds(),
                String.format(java.util.Locale.ROOT, "%d new connections/s, p50 %.0f µs, %d of %d completed",
                        config.connectRate(), result.latencyMicros().p50(), result.completed(),
                        result.scheduled() - result.warmupCompleted()));
    }

    private OtherMeasurement measureHeld(PathKind path, PathSetup setup, EventLoop loop) throws Exception {
        try (HeldConnections held = HeldConnections.open(loop, transport.socketChannel(), setup.entry(),
                config.heldConnections(), 120)) {
            long rss = ProcUsage.sum(setup.pids()).rssKiB();
            progress.printf("%-13s %d connections held open (%d failed)  rss %.1f MiB%n", path.label(), held.open(),
                    held.failed(), rss / 1024.0);
            return new OtherMeasurement(path.label(), "held-rss-kib", 1, rss, null,
                    held.open() + " idle connections open through the path (" + held.failed() + " failed)");
        }
    }

    private void runBulk(PathKind path, EventLoopGroup load, InetSocketAddress sink, List<OtherMeasurement> others)
            throws Exception {
        if (path == PathKind.NGINX_L7) {
            return;
        }
        try (PathSetup setup = PathSetup.open(path, runDir.resolve(path.label() + "-bulk"), sink,
                config.childJvmFlags(), childClasspath)) {
            for (int rep = 1; rep <= config.repetitions(); rep++) {
                ProcUsage before = usage(setup);
                long nanos = BulkRun.run(load, transport.socketChannel(), setup.entry(), config.bulkBytes());
                ProcUsage after = usage(setup);
                double mibps = config.bulkBytes() / (1024.0 * 1024.0) / (nanos / 1e9);
                progress.printf("%-13s bulk rep %d  %8.0f MiB/s%n", path.label(), rep, mibps);
                others.add(new OtherMeasurement(path.label(), "bulk-mibps", rep, mibps,
                        setup.pids().isEmpty() ? null : after.cpuSeconds() - before.cpuSeconds(),
                        (config.bulkBytes() >> 20) + " MiB on one connection"));
            }
        }
    }

    private static ProcUsage usage(PathSetup setup) throws IOException {
        return setup.pids().isEmpty() ? new ProcUsage(0, 0) : ProcUsage.sum(setup.pids());
    }
}
