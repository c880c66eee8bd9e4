package io.trellis.perf.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One benchmark run: the environment it ran in and each path's results. Written as JSON (for
 * tools) and Markdown (for people); medians are reported with the min–max spread of the
 * repetitions so a noisy run is visible as such.
 */
public record RunReport(String scenario, String startedAt, Environment environment, Parameters parameters,
        List<PathResult> paths) {

    /** Where the numbers came from. */
    public record Environment(String java, String transport, String tls, int cores, String os) {}

    /** What was measured. */
    public record Parameters(int payloadBytes, int warmup, int iterations, long bulkBytes, int repetitions) {}

    public void writeJson(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    public void writeMarkdown(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, toMarkdown());
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(scenario).append("\n\n")
          .append("Run at ").append(startedAt).append(" on ").append(environment.cores()).append(" cores, ")
          .append(environment.os()).append(", Java ").append(environment.java()).append(", transport ")
          .append(environment.transport()).append(", TLS ").append(environment.tls()).append(".\n\n")
          .append("Round trips of ").append(parameters.payloadBytes()).append(" bytes on one connection, ")
          .append(parameters.iterations()).append(" measured after ").append(parameters.warmup())
          .append(" warm-up; single-stream transfer of ").append(parameters.bulkBytes() >> 20)
          .append(" MiB. Median of ").append(parameters.repetitions())
          .append(" repetitions, [min–max] across them.\n\n")
          .append("| path | p50 µs | p90 µs | p99 µs | p99.9 µs | throughput MiB/s |\n")
          .append("|---|---|---|---|---|---|\n");
        for (PathResult path : paths) {
            md.append("| ").append(path.path())
              .append(" | ").append(spread(path.latency(), LatencySummary::p50))
              .append(" | ").append(spread(path.latency(), LatencySummary::p90))
              .append(" | ").append(spread(path.latency(), LatencySummary::p99))
              .append(" | ").append(spread(path.latency(), LatencySummary::p999))
              .append(" | ").append(spread(path.throughputMiBps(), Double::doubleValue))
              .append(" |\n");
        }
        md.append('\n');
        for (PathResult path : paths) {
            md.append("* **").append(path.path()).append("**: ").append(path.description()).append('\n');
        }
        return md.toString();
    }

    private static <T> String spread(List<T> values, ToDoubleFunction<T> metric) {
        if (values.isEmpty()) {
            return "–";
        }
        List<Double> sorted = values.stream().map(metric::applyAsDouble).sorted(Comparator.naturalOrder()).toList();
        double median = sorted.get(sorted.size() / 2);
        return String.format(Locale.ROOT, "%.0f [%.0f–%.0f]", median, sorted.getFirst(), sorted.getLast());
    }

    /** Median of one metric across repetitions, for comparisons in notes and tests. */
    public static <T> double median(List<T> values, ToDoubleFunction<T> metric) {
        List<Double> sorted = values.stream().map(metric::applyAsDouble).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
