package io.trellis.perf;

import io.trellis.perf.report.RunReport;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./trellis bench [scenario]}: runs a benchmark and writes its JSON and Markdown report. */
@Command(name = "trellis bench", mixinStandardHelpOptions = true,
        description = "Runs a benchmark and writes results to perf/results/<scenario>.{json,md}.")
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

    /** The benchmarks this command knows. */
    enum Scenario { tunnel }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (payloadBytes < 1 || warmup < 0 || iterations < 1 || bulkMiB < 1 || repetitions < 1) {
            System.err.println("error: --payload, --iterations, --bulk-mib and --repetitions must be positive");
            return 2;
        }
        Transport transport = Transports.choice().transport();
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
