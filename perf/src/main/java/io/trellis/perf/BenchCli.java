package io.trellis.perf;

import io.trellis.perf.report.RunReport;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.perf.load.LoadConfig;
import io.trellis.perf.suite.PathKind;
import io.trellis.perf.suite.SuiteConfig;
import io.trellis.perf.suite.SuiteReport;
import io.trellis.perf.suite.SuiteRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./trellis bench [scenario]}: runs a benchmark and writes its JSON and Markdown report. */
@Command(name = "trellis bench", mixinStandardHelpOptions = true,
        description = "Runs a benchmark and writes results to perf/results/<scenario>.{json,md} (and PNG plots for the suite).")
public final class BenchCli implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "tunnel", description = "Scenario: ${COMPLETION-CANDIDATES}.")
    Scenario scenario = Scenario.tunnel;

    @Option(names = "--payload", defaultValue = "1024", description = "Bytes per round trip (default ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--warmup", defaultValue = "5000", description = "Unrecorded round trips first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "20000", description = "Recorded round trips (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--bulk-mib", defaultValue = "1024", description = "MiB in the throughput transfer (default ${DEFAULT-VALUE}).")
    long bulkMiB;

    @Option(names = "--repetitions", defaultValue = "3", description = "Repetitions per path (default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--out", defaultValue = "perf/results", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--paths", split = ",", description = "Suite paths (default: all): direct, haproxy-pair, "
            + "relay-pair, hbone-pair, nginx-l7.")
    List<String> paths = List.of("direct", "haproxy-pair", "relay-pair", "hbone-pair", "nginx-l7");

    @Option(names = "--rates", split = ",", description = "Suite request rates (default 100,1000,5000).")
    List<Integer> rates = List.of(100, 1000, 5000);

    @Option(names = "--connections", split = ",", description = "Suite connection counts (default 1,16,64).")
    List<Integer> connections = List.of(1, 16, 64);

    @Option(names = "--protocol", defaultValue = "HTTP1", description = "Suite protocol: HTTP1 or H2C (default ${DEFAULT-VALUE}).")
    LoadConfig.Protocol protocol;

    @Option(names = "--duration-ms", defaultValue = "10000", description = "Suite: recorded ms per run (default ${DEFAULT-VALUE}).")
    long durationMs;

    @Option(names = "--warmup-ms", defaultValue = "2000", description = "Suite: unrecorded ms before each run (default ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(names = "--connect-rate", defaultValue = "500", description = "Suite: new connections/s in the connection run, 0 skips it (default ${DEFAULT-VALUE}).")
    int connectRate;

    @Option(names = "--child-jvm-flags", description = "Suite: flags of the child JVM running a Trellis pair, "
            + "space-separated (default: SuiteConfig.DEFAULT_CHILD_JVM_FLAGS, see perf/README.md).")
    String childJvmFlags = String.join(" ", SuiteConfig.DEFAULT_CHILD_JVM_FLAGS);

    @Option(names = "--held-connections", defaultValue = "8000", description = "Suite: idle connections held "
            + "open through each proxy while its RSS is read, 0 skips it (default ${DEFAULT-VALUE}; each needs two "
            + "file descriptors in this JVM and in each proxy, so stay below half of 'ulimit -n').")
    int heldConnections;

    /**
     * The benchmarks this command knows: {@code tunnel} (in-process echo round trips and throughput),
     * {@code loopback} (the suite over every path on loopback), {@code smoke} (the suite, seconds long,
     * to check the setup), {@code lab} (the real node-proxy pair in the lab: the launcher runs it from e2e's {@code LabBenchmark}),
     * {@code controller-scale} (the controller's workload xDS with 10,000 pods and 2,000 proxy streams).
     */
    enum Scenario { tunnel, loopback, smoke, lab, controller_scale }

    private int runSuite(Transport transport) throws Exception {
        boolean smoke = scenario == Scenario.smoke;
        SuiteConfig config;
        try {
            config = new SuiteConfig(scenario.name(), paths.stream().map(PathKind::parse).toList(),
                    smoke ? List.of(200) : rates, smoke ? List.of(4) : connections, protocol,
                    Duration.ofMillis(smoke ? 200 : warmupMs), Duration.ofMillis(smoke ? 500 : durationMs),
                    smoke ? 1 : repetitions, payloadBytes, payloadBytes, (smoke ? 16L : bulkMiB) << 20,
                    smoke ? Math.min(connectRate, 100) : connectRate,
                    java.util.Arrays.stream(childJvmFlags.trim().split("\\s+")).filter(f -> !f.isBlank()).toList(),
                    smoke ? Math.min(heldConnections, 200) : heldConnections);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        SuiteReport report = new SuiteRunner(transport, config, out.resolve("raw").resolve(scenario.name()),
                System.out).run();
        List<Path> written = report.write(out);
        System.out.println();
        System.out.print(report.toMarkdown());
        System.out.println("written: " + written);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli())
                .registerConverter(Scenario.class, v -> Scenario.valueOf(v.replace('-', '_')))
                .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (payloadBytes < 1 || warmup < 0 || iterations < 1 || bulkMiB < 1 || repetitions < 1) {
            System.err.println("error: --payload, --iterations, --bulk-mib and --repetitions must be positive");
            return 2;
        }
        Transport transport = Transports.choice().transport();
        switch (scenario) {
            case tunnel -> { }
            case lab -> {
                // the mesh lab lives in e2e, which depends on perf: ./trellis routes 'bench lab' there
                System.err.println("error: the lab scenario runs from the e2e module: use './trellis bench lab' "
                        + "(io.trellis.e2e.bench.LabBenchmark, as root)");
                return 2;
            }
            case loopback, smoke -> {
                return runSuite(transport);
            }
            case controller_scale -> {
                return io.trellis.perf.controller.ControllerScaleBenchmark.runScenario(out, System.out);
            }
        }
        RunReport.Parameters parameters = new RunReport.Parameters(payloadBytes, warmup, iterations,
                bulkMiB * 1024 * 1024, repetitions);
        RunReport report = new TunnelBenchmark(transport, parameters, System.out).run();
        report.writeJson(out.resolve(scenario + ".json"));
        report.writeMarkdown(out.resolve(scenario + ".md"));
        System.out.println();
        System.out.print(report.toMarkdown());
        System.out.println("written: " + out.resolve(scenario + ".json") + ", " + out.resolve(scenario + ".md"));
        return 0;
    }
}
