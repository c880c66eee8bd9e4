package io.trellis.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.load.LoadResult;
import io.trellis.perf.report.LatencySummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabMarkdownTest {

    @TempDir
    Path dir;

    @Test
    void addedLatencyIsThePerRepetitionDifferenceToDirectAndItsMedian() throws Exception {
        List<Map<String, Object>> runs = new ArrayList<>();
        // repetition 1: direct p99 100, waypoint 400 (+300); repetition 2: 200 and 300 (+100); repetition 3: 150, 650
        runs.add(run("direct", 1000, 16, 1, 50, 100, Map.of()));
        runs.add(run("waypoint", 1000, 16, 1, 250, 400, Map.of(LabBenchmark.WAYPOINT, 0.2)));
        runs.add(run("direct", 1000, 16, 2, 60, 200, Map.of()));
        runs.add(run("waypoint", 1000, 16, 2, 260, 300, Map.of(LabBenchmark.WAYPOINT, 0.1)));
        runs.add(run("direct", 1000, 16, 3, 55, 150, Map.of()));
        runs.add(run("waypoint", 1000, 16, 3, 255, 650, Map.of(LabBenchmark.WAYPOINT, 0.3)));
        runs.add(run("direct", 100, 16, 1, 40, 90, Map.of()));
        runs.add(run("waypoint", 100, 16, 1, 140, 190, Map.of(LabBenchmark.WAYPOINT, 0.5)));

        String md = LabMarkdown.render(report(runs), "lab");

        // added p50: 200, 200, 200; added p99: 300, 100, 500 -> median 300, spread [100-500]
        assertThat(md).contains("| 16 | waypoint | 255 | 400 | 200 | 300 | [100-500] |");
        assertThat(md).contains("| 1,000 | 16 | waypoint | waypoint | 0.2000 | [0.1000-0.3000] |");
        assertThat(md).contains("| 100 | 16 | waypoint | 100.0 | 140 | 150 | 190 | 100 | 100 | 0 |");
        assertThat(md).contains("Highest stable step: **2000 rps**").contains("**4000 requests per CPU-second**");
        assertThat(md).contains("| state | node-proxy-node1 | node-proxy-node2 | waypoint | haproxy | haproxy-node1 | "
                + "haproxy-node2 |\n|---|---|---|---|---|---|---|\n");
        assertThat(md).contains("| idle (paths up, before load) | 100.0 | - | 50.0 | - | 2.0 | 3.0 |");
        assertThat(md).contains("![latency vs rate, 16 connections](lab-latency.png)");
    }

    @Test
    void everyConnectionCountGetsItsOwnRowsAndNoRunOfAnotherCountLeaksIntoThem() {
        List<Map<String, Object>> runs = List.of(
                run("direct", 1000, 1, 1, 50, 100, Map.of()), run("pair", 1000, 1, 1, 90, 180, Map.of()),
                run("direct", 1000, 64, 1, 70, 300, Map.of()), run("pair", 1000, 64, 1, 120, 700, Map.of()));

        String md = LabMarkdown.render(report(runs), "lab");

        assertThat(md).contains("Load: open loop, 1, 64 connections").contains("At 1,000 rps: 3 repetitions of 5 s");
        assertThat(md).contains("| 1 | pair | 90 | 180 | 40 | 80 | [80-80] |");
        assertThat(md).contains("| 64 | pair | 120 | 700 | 50 | 400 | [400-400] |");
        assertThat(md).contains("| 1,000 | 64 | pair | 1 | 1000.0 | 120 | 130 | 700 |");
        // no 16-connection runs: the headline count in the config has no plot of its own, every count run has one
        assertThat(md).contains("![latency vs rate, 1 connection](lab-latency-1c.png)")
                .contains("![latency vs rate, 64 connections](lab-latency-64c.png)");
    }

    @Test
    void aRampWithoutAStableStepStillReportsWhatTheWaypointServed() {
        Map<String, Object> report = report(List.of(run("direct", 1000, 16, 1, 50, 100, Map.of())));
        report.put("waypointRamp", Map.of("steps", List.of(), "maxStableRps", 0, "requestsPerSecondPerCore", 0,
                "requestsPerCpuSecondIgnoringLatency", 5100.0, "p99LimitMicros", 20000.0, "minAchievedShare", 0.95));

        String md = LabMarkdown.render(report, "lab");

        assertThat(md).contains("No step met the latency limit").contains("**5100 requests per CPU-second**");
    }

    @Test
    void plotsEveryPathAgainstRateOnePngPerConnectionCount() throws Exception {
        List<Map<String, Object>> runs = List.of(run("direct", 100, 16, 1, 40, 90, Map.of()),
                run("direct", 1000, 16, 1, 50, 100, Map.of()), run("pair", 100, 16, 1, 90, 190, Map.of()),
                run("pair", 100, 64, 1, 95, 290, Map.of()));

        List<Path> files = LabMarkdown.plot(report(runs), dir, "lab");

        assertThat(files).containsExactly(dir.resolve("lab-latency.png"), dir.resolve("lab-latency-64c.png"));
        for (Path png : files) {
            assertThat(Files.size(png)).isPositive();
        }
    }

    static Map<String, Object> report(List<Map<String, Object>> runs) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("started", "now");
        report.put("wallSeconds", 1.0);
        report.put("cpus", 2);
        report.put("loadavgBefore", "0");
        report.put("loadavgAfter", "0");
        report.put("proxyJvmFlags", List.of("-XX:+UseSerialGC"));
        report.put("config", Map.of("primaryRps", 1000, "headlineConnections", 16, "protocol", "HTTP/1.1",
                "repetitions", 3, "warmupSeconds", 5, "durationSeconds", 15, "otherRepetitions", 1,
                "otherWarmupSeconds", 3, "otherDurationSeconds", 8));
        report.put("pathDescriptions", Map.of("direct", "a2 -> b2", "waypoint", "a1 -> waypoint -> b3"));
        report.put("runs", runs);
        report.put("rssIdleKiB", Map.of(LabBenchmark.NODE1, 102400L, LabBenchmark.WAYPOINT, 51200L,
                LabHaproxyPair.ENTRY, 2048L, LabHaproxyPair.EXIT, 3072L));
        report.put("waypointRamp", Map.of("steps", List.of(Map.of("rps", 2000, "achievedRps", 2000.0, "p50Micros",
                300.0, "p99Micros", 900.0, "errors", 0L, "proxyCores", 0.5, "requestsPerCpuSecond", 4000.0,
                "stable", true)), "maxStableRps", 2000.0, "requestsPerSecondPerCore", 4000.0, "p99LimitMicros",
                20000.0, "minAchievedShare", 0.95));
        return report;
    }

    static Map<String, Object> run(String path, double rps, int connections, int rep, double p50, double p99,
            Map<String, Double> cpuPer1000) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path);
        run.put("rps", rps);
        run.put("connections", connections);
        run.put("repetition", rep);
        run.put("result", new LoadResult("HTTP1", connections, rps, rps, 1000, 1000, 100, 0, 0, 0, 1,
                new LatencySummary(1000, p50, p50 + 10, p99, p99 + 10, p99 + 20)));
        run.put("cpuSeconds", Map.of());
        run.put("cpuSecondsPer1000Requests", cpuPer1000);
        return run;
    }
}
