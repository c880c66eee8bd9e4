package io.trellis.perf.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.trellis.perf.report.LatencySummary;
import io.trellis.perf.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A suite run's results: JSON for tools, Markdown tables and PNG plots for people. Every number in
 * the tables is the median of the repetitions with the [min–max] spread beside it.
 */
public record SuiteReport(String scenario, String startedAt, RunReport.Environment environment, SuiteConfig config,
        HostLoad hostLoad, List<Measurement> measurements, List<OtherMeasurement> others) {

    /**
     * The host's 1-minute load average (from /proc/loadavg) when the run started and ended: with
     * more runnable threads than cores every process waits for a core, and the numbers say more
     * about the machine than about the proxies. Negative when unknown.
     */
    public record HostLoad(double atStart, double atEnd) {

        public static HostLoad unknown() {
            return new HostLoad(-1, -1);
        }

        /** Reads the 1-minute load average, or -1 when /proc/loadavg is not there. */
        public static double now() {
            try {
                String line = Files.readString(Path.of("/proc/loadavg")).trim();
                return Double.parseDouble(line.substring(0, line.indexOf(' ')));
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /** Writes {@code <scenario>.json}, {@code <scenario>.md} and one PNG per path; returns the files. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path json = dir.resolve(scenario + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), this);
        written.add(json);
        for (String path : pathLabels()) {
            Path png = dir.resolve(plotFileName(path));
            LatencyPlot.write(png, scenario + ": " + path + " (" + config.protocol().name().toLowerCase(Locale.ROOT)
                    + ", median of " + config.repetitions() + ")", config.rates(), seriesFor(path));
            written.add(png);
        }
        Path md = dir.resolve(scenario + ".md");
        Files.writeString(md, toMarkdown());
        written.add(md);
        return written;
    }

    String plotFileName(String path) {
        return scenario + "-" + path + ".png";
    }

    List<String> pathLabels() {
        return measurements.stream().map(Measurement::path).distinct().toList();
    }

    /** p50 and p99 per connection count, one point per rate, for the plot. */
    private Map<String, List<Double>> seriesFor(String path) {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (int connections : config.connections()) {
            for (String percentile : List.of("p50", "p99")) {
                List<Double> points = new ArrayList<>();
                for (int rate : config.rates()) {
                    List<Measurement> reps = reps(path, rate, connections);
                    points.add(reps.isEmpty() ? Double.NaN : median(reps, m -> percentile.equals("p50")
                            ? m.load().latencyMicros().p50() : m.load().latencyMicros().p99()));
                }
                series.put(percentile + ", " + connections + " conn", points);
            }
        }
        return series;
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark: ").append(scenario).append("\n\n")
          .append("Run at ").append(startedAt).append(" on ").append(environment.cores()).append(" cores, ")
          .append(environment.os()).append(", Java ").append(environment.java()).append(", transport ")
          .append(environment.transport()).append(", TLS ").append(environment.tls()).append(".\n\n");
        if (hostLoad.atStart() >= 0) {
            md.append(String.format(Locale.ROOT, "Host load average (1 min): %.1f at start, %.1f at end, on %d cores",
                    hostLoad.atStart(), hostLoad.atEnd(), environment.cores()));
            md.append(Math.max(hostLoad.atStart(), hostLoad.atEnd()) > environment.cores()
                    ? ". **Other processes were competing for the cores: treat absolute numbers as noisy and compare "
                            + "paths within this run only.**\n\n"
                    : ".\n\n");
        }
        md.append("Open loop, Poisson arrivals, latency from each request's intended send time (no coordinated ")
          .append("omission); ").append(config.protocol().name().toLowerCase(Locale.ROOT)).append(", ")
          .append(config.requestBytes()).append(" B requests, ").append(config.responseBytes())
          .append(" B responses; ").append(config.warmup().toMillis()).append(" ms warm-up then ")
          .append(config.duration().toMillis()).append(" ms recorded per run; median of ")
          .append(config.repetitions()).append(" repetitions with [min–max]. Proxy RSS and CPU come from ")
          .append("/proc of the proxy processes only (a pair counts both halves).\n\n");
        latencyTable(md);
        otherTables(md);
        md.append("\n## Plots\n\n");
        for (String path : pathLabels()) {
            md.append("![").append(path).append("](").append(plotFileName(path)).append(")\n");
        }
        md.append("\n## Paths\n\n");
        for (String path : pathLabels()) {
            md.append("* **").append(path).append("**: ").append(PathKind.parse(path).description()).append('\n');
        }
        return md.toString();
    }

    private void latencyTable(StringBuilder md) {
        md.append("## Latency (µs)\n\n")
          .append("| rate | conns | path | p50 | p90 | p99 | p99.9 | p99 added vs direct | achieved rps | ")
          .append("not completed | peak backlog | proxy RSS MiB | proxy CPU s / 1k req |\n")
          .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int rate : config.rates()) {
            for (int connections : config.connections()) {
                List<Measurement> direct = reps("direct", rate, connections);
                for (String path : pathLabels()) {
                    List<Measurement> reps = reps(path, rate, connections);
                    if (reps.isEmpty()) {
                        continue;
                    }
                    List<LatencySummary> latency = reps.stream().map(m -> m.load().latencyMicros()).toList();
                    String added = direct.isEmpty() || path.equals("direct") ? "–" : String.format(Locale.ROOT, "%+.0f",
                            median(reps, m -> m.load().latencyMicros().p99())
                                    - median(direct, m -> m.load().latencyMicros().p99()));
                    long notCompleted = reps.stream().mapToLong(m -> m.load().errors() + m.load().overflowed()
                            + m.load().unfinished()).sum();
                    md.append("| ").append(rate).append(" | ").append(connections).append(" | ").append(path)
                      .append(" | ").append(spread(latency, LatencySummary::p50))
                      .append(" | ").append(spread(latency, LatencySummary::p90))
                      .append(" | ").append(spread(latency, LatencySummary::p99))
                      .append(" | ").append(spread(latency, LatencySummary::p999))
                      .append(" | ").append(added)
                      .append(" | ").append(spread(reps, m -> m.load().achievedRps()))
                      .append(" | ").append(notCompleted)
                      .append(" | ").append(reps.stream().mapToInt(m -> m.load().peakBacklog()).max().orElse(0))
                      .append(" | ").append(optionalSpread(reps, m -> m.proxyRssKiB() == null ? null
                              : m.proxyRssKiB() / 1024.0, "%.1f"))
                      .append(" | ").append(optionalSpread(reps, Measurement::proxyCpuSecondsPer1000, "%.4f"))
                      .append(" |\n");
                }
            }
        }
    }

    private void otherTables(StringBuilder md) {
        for (String kind : List.of("bulk-mibps", "connect-p99-us", "idle-rss-kib", "held-rss-kib")) {
            List<OtherMeasurement> rows = others.stream().filter(o -> o.kind().equals(kind)).toList();
            if (rows.isEmpty()) {
                continue;
            }
            md.append("\n## ").append(switch (kind) {
                case "bulk-mibps" -> "Single-stream throughput (MiB/s)";
                case "connect-p99-us" -> "New connections: p99 latency of connect + one request (µs)";
                case "held-rss-kib" -> "Proxy RSS with many idle connections open (KiB)";
                default -> "Proxy RSS at idle (KiB)";
            }).append("\n\n| path | value | proxy CPU s per repetition | note |\n|---|---|---|---|\n");
            for (String path : rows.stream().map(OtherMeasurement::path).distinct().toList()) {
                List<OtherMeasurement> reps = rows.stream().filter(o -> o.path().equals(path)).toList();
                md.append("| ").append(path).append(" | ").append(spread(reps, OtherMeasurement::value))
                  .append(" | ").append(optionalSpread(reps, OtherMeasurement::proxyCpuSeconds, "%.2f"))
                  .append(" | ").append(Objects.requireNonNullElse(reps.getFirst().note(), "")).append(" |\n");
            }
        }
    }

    private List<Measurement> reps(String path, int rate, int connections) {
        return measurements.stream()
                .filter(m -> m.path().equals(path) && m.rate() == rate && m.connections() == connections)
                .toList();
    }

    static <T> double median(List<T> values, ToDoubleFunction<T> metric) {
        List<Double> sorted = values.stream().map(metric::applyAsDouble).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    static <T> String spread(List<T> values, ToDoubleFunction<T> metric) {
        List<Double> sorted = values.stream().map(metric::applyAsDouble).sorted(Comparator.naturalOrder()).toList();
        if (sorted.size() == 1) {
            return String.format(Locale.ROOT, "%.0f", sorted.getFirst());
        }
        return String.format(Locale.ROOT, "%.0f [%.0f–%.0f]", sorted.get(sorted.size() / 2), sorted.getFirst(),
                sorted.getLast());
    }

    private static <T> String optionalSpread(List<T> values, java.util.function.Function<T, ? extends Number> metric,
            String format) {
        List<Double> sorted = values.stream().map(metric).filter(Objects::nonNull).map(Number::doubleValue)
                .sorted().toList();
        if (sorted.isEmpty()) {
            return "–";
        }
        String median = String.format(Locale.ROOT, format, sorted.get(sorted.size() / 2));
        return sorted.size() == 1 ? median : median + " [" + String.format(Locale.ROOT, format, sorted.getFirst())
                + "–" + String.format(Locale.ROOT, format, sorted.getLast()) + "]";
    }
}
