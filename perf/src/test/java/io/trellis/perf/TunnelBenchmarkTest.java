package io.trellis.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.report.LatencySummary;
import io.trellis.perf.report.PathResult;
import io.trellis.perf.report.RunReport;
import io.trellis.proxy.core.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the benchmark working: a tiny run over every path must complete every round trip and
 * transfer and write both reports. It asserts what was measured, never how fast.
 */
class TunnelBenchmarkTest {

    @Test
    void everyPathCompletesAllRoundTripsAndTheTransfer(@TempDir Path out) throws Exception {
        RunReport.Parameters parameters = new RunReport.Parameters(1024, 50, 200, 4L << 20, 2);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        RunReport report = new TunnelBenchmark(Transports.choice().transport(), parameters,
                new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        assertThat(report.paths()).extracting(PathResult::path)
                .containsExactly("direct", "tcp-relay-pair", "hbone-pair");
        for (PathResult path : report.paths()) {
            assertThat(path.latency()).hasSize(2).allSatisfy(rtt -> {
                assertThat(rtt.count()).isEqualTo(200);
                assertThat(rtt.p50()).isPositive().isLessThanOrEqualTo(rtt.p99());
            });
            assertThat(path.throughputMiBps()).hasSize(2).allSatisfy(mibps -> assertThat(mibps).isPositive());
        }

        report.writeJson(out.resolve("tunnel.json"));
        report.writeMarkdown(out.resolve("tunnel.md"));
        assertThat(Files.readString(out.resolve("tunnel.json"))).contains("\"hbone-pair\"", "\"p99\"");
        assertThat(Files.readString(out.resolve("tunnel.md")))
                .contains("| hbone-pair |", "| direct |", "throughput MiB/s");
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("hbone-pair", "rep 2/2");
    }

    @Test
    void medianPicksTheMiddleRepetition() {
        var values = java.util.List.of(
                new LatencySummary(1, 30, 0, 0, 0, 0),
                new LatencySummary(1, 10, 0, 0, 0, 0),
                new LatencySummary(1, 20, 0, 0, 0, 0));
        assertThat(RunReport.median(values, LatencySummary::p50)).isEqualTo(20);
    }
}
