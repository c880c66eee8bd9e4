package io.trellis.e2e.bench;

import static io.trellis.e2e.bench.LabMarkdownTest.report;
import static io.trellis.e2e.bench.LabMarkdownTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabTargetsTest {

    @Test
    void thePairIsJudgedAgainstTheHaproxyPairOfTheSameRunAtEveryConnectionCount() {
        List<Map<String, Object>> runs = new ArrayList<>();
        // 16 connections: pair p99 500, 700, 600 against HAProxy 550, 650, 800 -> medians 600 vs 650: met by 50
        double[][] p99s16 = {{500, 550}, {700, 650}, {600, 800}};
        for (int rep = 1; rep <= 3; rep++) {
            runs.add(run("direct", 1000, 16, rep, 100, 400, Map.of()));
            runs.add(run("pair", 1000, 16, rep, 200, p99s16[rep - 1][0], Map.of()));
            runs.add(run("haproxy-pair", 1000, 16, rep, 150, p99s16[rep - 1][1], Map.of()));
        }
        // 64 connections: pair 900 against HAProxy 600 -> missed by 300
        runs.add(run("direct", 1000, 64, 1, 100, 500, Map.of()));
        runs.add(run("pair", 1000, 64, 1, 200, 900, Map.of()));
        runs.add(run("haproxy-pair", 1000, 64, 1, 150, 600, Map.of()));

        List<LabTargets.Target> targets = LabTargets.evaluate(report(runs));

        LabTargets.Target at16 = find(targets, "L4 pair p99 no worse than the HAProxy pair (1,000 rps, 16 connections)");
        assertThat(at16.met()).isTrue();
        assertThat(at16.verdict()).isEqualTo("met (50 µs lower)");
        // per repetition: -50, +50, -200 -> median -50, spread [-200-50]
        assertThat(at16.measured()).isEqualTo("pair 600 µs, HAProxy pair 650 µs (pair minus HAProxy per repetition: "
                + "median -50 µs, [-200-50])");
        LabTargets.Target at64 = find(targets, "L4 pair p99 no worse than the HAProxy pair (1,000 rps, 64 connections)");
        assertThat(at64.met()).isFalse();
        assertThat(at64.verdict()).isEqualTo("missed by 300 µs (1.50x)");
        // added p99 at the headline count: 100, 300, 200 -> +200, exactly the 200 µs target
        LabTargets.Target added = find(targets, "L4 pair added p99 <= 200 µs (1,000 rps, 16 connections)");
        assertThat(added.met()).isTrue();
        assertThat(added.measured()).isEqualTo("+200 µs (spread [100-300])");
    }

    @Test
    void throughputComparesMedianMiBPerSecondOfPairAndHaproxyPair() {
        Map<String, Object> report = report(List.of(run("direct", 1000, 16, 1, 100, 400, Map.of())));
        report.put("bulk", List.of(LabTransferMarkdownTest.bulk("pair", 1, 300), LabTransferMarkdownTest.bulk(
                "haproxy-pair", 1, 400), LabTransferMarkdownTest.bulk("pair", 2, 320),
                LabTransferMarkdownTest.bulk("haproxy-pair", 2, 380)));

        LabTargets.Target t = find(LabTargets.evaluate(report),
                "Single-stream throughput through the L4 pair >= the HAProxy pair's");

        assertThat(t.met()).isFalse();
        assertThat(t.measured()).isEqualTo("pair 310 MiB/s, HAProxy pair 390 MiB/s (79 %)");
        assertThat(t.verdict()).isEqualTo("missed by 80 MiB/s");
    }

    @Test
    void aTargetWhosePathsDidNotRunIsNeitherMetNorMissed() {
        Map<String, Object> report = report(List.of(run("direct", 1000, 16, 1, 100, 400, Map.of()),
                run("pair", 1000, 16, 1, 200, 500, Map.of(LabBenchmark.NODE1, 0.05, LabBenchmark.NODE2, 0.08))));

        List<LabTargets.Target> targets = LabTargets.evaluate(report);

        LabTargets.Target vsPeer = find(targets, "L4 pair p99 no worse than the HAProxy pair (1,000 rps, 16 connections)");
        assertThat(vsPeer.met()).isNull();
        assertThat(vsPeer.verdict()).contains("not measured in this run");
        assertThat(find(targets, "Single-stream throughput through the L4 pair >= the HAProxy pair's").met()).isNull();
        // the worse node-proxy decides: 0.08 against 0.06
        LabTargets.Target cores = find(targets, "node-proxy <= 0.06 cores per 1,000 rps (pair, 1,000 rps, 16 "
                + "connections)");
        assertThat(cores.met()).isFalse();
        assertThat(cores.measured()).isEqualTo("node-proxy-node1 0.050, node-proxy-node2 0.080");
        assertThat(cores.verdict()).isEqualTo("missed by 0.020 (1.3x)");
        String md = LabMarkdown.render(report, "lab");
        assertThat(md).contains("## Issue 7 targets, judged from this run")
                .contains("| L4 pair added p99 <= 200 µs (1,000 rps, 16 connections) | +100 µs (spread [100-100]) | "
                        + "**met** |");
    }

    private static LabTargets.Target find(List<LabTargets.Target> targets, String name) {
        return targets.stream().filter(t -> t.target().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no target '" + name + "' in " + targets));
    }
}
