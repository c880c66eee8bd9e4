package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report keeps one row per scenario, in the scenarios' order, and re-renders from its JSON files. */
class ReliabilityReportTest {

    @TempDir
    Path dir;

    private static ScenarioResult result(String scenario, long failed, Long recovery) {
        return new ScenarioResult(scenario, "the fault", "4 × 10/s", 30_000, 60_000, 100, failed, 0, 2 * 1024 * 1024,
                recovery, "what recovery means", failed == 0 ? Map.of() : Map.of("reset", failed), "notes of " + scenario,
                "2026-01-01T00:00:00Z");
    }

    @Test
    void rowsAreReplacedPerScenarioAndOrdered() throws Exception {
        ReliabilityReport report = new ReliabilityReport(dir);
        report.add(result("partition-heal", 12, 3100L));
        report.add(result("controller-down", 5, null));
        String md = report.add(result("controller-down", 0, 28_000L));

        assertThat(report.readAll()).extracting(ScenarioResult::scenario)
                .containsExactly("controller-down", "partition-heal");
        assertThat(Files.readString(dir.resolve("report.md"))).isEqualTo(md);
        List<String> rows = md.lines().filter(l -> l.startsWith("| controller-down") || l.startsWith("| partition"))
                .toList();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).contains("| 100 | 0 | 0 | 2.0 MiB | 28.0 s (what recovery means) | — |");
        assertThat(rows.get(1)).contains("| 12 | 0 | 2.0 MiB | 3.1 s").endsWith("| reset 12 |");
        assertThat(md).contains("* **controller-down** (2026-01-01T00:00:00Z): notes of controller-down");
    }
}
