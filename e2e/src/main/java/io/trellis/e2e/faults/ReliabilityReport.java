package io.trellis.e2e.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The reliability report: each scenario's {@link ScenarioResult} as {@code <scenario>.json} in one directory and
 * {@code report.md} rendered from all of them, so scenarios run one at a time (or by different tests) add up to one
 * table. Writing a scenario replaces its earlier row.
 */
public final class ReliabilityReport {

    /** Where the tests write unless {@value #OUT_PROPERTY} says otherwise (relative to the e2e module). */
    public static final String DEFAULT_TEST_DIR = "target/reliability";
    /** System property naming the report directory, e.g. {@code -Dtrellis.reliability.out=../perf/results/reliability}. */
    public static final String OUT_PROPERTY = "trellis.reliability.out";
    /** Scenario order in the table; unknown scenarios follow, by name. */
    private static final List<String> ORDER = List.of("controller-down", "controller-restart-config-change",
            "node-proxy-kill", "node-proxy-upgrade", "waypoint-replica-kill", "endpoint-kill", "partition-heal");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    public ReliabilityReport(Path dir) {
        this.dir = dir;
    }

    /** The report the tests write to: {@value #OUT_PROPERTY}, else {@value #DEFAULT_TEST_DIR}. */
    public static ReliabilityReport forTests() {
        return new ReliabilityReport(Path.of(System.getProperty(OUT_PROPERTY, DEFAULT_TEST_DIR)));
    }

    /** Stores {@code result} and re-renders {@code report.md}; returns the Markdown. */
    public synchronized String add(ScenarioResult result) {
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve(result.scenario() + ".json").toFile(), result);
            String md = render(readAll());
            Files.writeString(dir.resolve("report.md"), md, StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reliability report under " + dir.toAbsolutePath(), e);
        }
    }

    /** Every stored result, in table order. */
    public List<ScenarioResult> readAll() throws IOException {
        List<ScenarioResult> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                out.add(JSON.readValue(f.toFile(), ScenarioResult.class));
            }
        }
        out.sort(Comparator.comparingInt((ScenarioResult r) -> {
            int i = ORDER.indexOf(r.scenario());
            return i < 0 ? ORDER.size() : i;
        }).thenComparing(ScenarioResult::scenario));
        return out;
    }

    static String render(List<ScenarioResult> results) {
        StringBuilder b = new StringBuilder("""
                # Reliability report

                Fault scenarios in the lab under steady load (`docs/reliability.md` says how each runs and how to rerun
                them). Every transfer is a new connection carrying a random body and its SHA-256 to a server that checks
                it and echoes it back, where the client checks it again: **bytes verified** counts both directions,
                **corrupted** counts 200 responses whose bytes differ (must be 0).

                | scenario | fault | load held | fault lasted | run | ok | failed | corrupted | bytes verified | recovery | failures by kind |
                |---|---|---|---|---|---|---|---|---|---|---|
                """);
        for (ScenarioResult r : results) {
            b.append("| ").append(r.scenario()).append(" | ").append(r.fault()).append(" | ").append(r.load())
                    .append(" | ").append(seconds(r.faultMillis())).append(" | ").append(seconds(r.runMillis()))
                    .append(" | ").append(r.ok()).append(" | ").append(r.failed()).append(" | ").append(r.corrupted())
                    .append(" | ").append(mib(r.verifiedBytes())).append(" | ")
                    .append(r.recoveryMillis() == null ? "none" : seconds(r.recoveryMillis()))
                    .append(" (").append(r.recoveryMeaning()).append(") | ")
                    .append(r.failuresByKind().isEmpty() ? "—" : r.failuresByKind().entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")))
                    .append(" |\n");
        }
        b.append("\n## Notes\n\n");
        for (ScenarioResult r : results) {
            b.append("* **").append(r.scenario()).append("** (").append(r.finishedAt()).append("): ").append(r.notes())
                    .append('\n');
        }
        return b.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
