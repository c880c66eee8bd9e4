package io.trellis.e2e.bench;

import io.trellis.perf.load.LoadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * The open-loop runs of a lab report (the maps {@link LabRunner#run} returns) and the questions the report asks of
 * them: which paths, rates and connection counts ran, a metric per repetition, and a path's value minus the direct
 * path's in the same repetition. Also the small statistics (median, spread) every table uses.
 */
final class LabRuns {

    private final List<Map<String, Object>> runs;

    LabRuns(List<Map<String, Object>> runs) {
        this.runs = List.copyOf(runs);
    }

    List<Map<String, Object>> all() {
        return runs;
    }

    /** Paths in the order they first ran. */
    List<String> paths() {
        List<String> paths = new ArrayList<>();
        runs.forEach(r -> {
            if (!paths.contains((String) r.get("path"))) {
                paths.add((String) r.get("path"));
            }
        });
        return paths;
    }

    List<Double> rates() {
        TreeSet<Double> rates = new TreeSet<>();
        runs.forEach(r -> rates.add(rate(r)));
        return List.copyOf(rates);
    }

    List<Integer> connections() {
        TreeSet<Integer> counts = new TreeSet<>();
        runs.forEach(r -> counts.add(connections(r)));
        return List.copyOf(counts);
    }

    /** The runs of {@code path} at {@code rate} over {@code connections} connections, in repetition order. */
    List<Map<String, Object>> of(String path, double rate, int connections) {
        return runs.stream().filter(r -> r.get("path").equals(path) && rate(r) == rate
                && connections(r) == connections).toList();
    }

    List<Double> values(String path, double rate, int connections, ToDoubleFunction<LoadResult> f) {
        return of(path, rate, connections).stream().map(r -> f.applyAsDouble(result(r))).toList();
    }

    /** Per repetition: {@code path}'s value minus {@code baseline}'s value of the same repetition, rate and count. */
    List<Double> minus(String path, String baseline, double rate, int connections, ToDoubleFunction<LoadResult> f) {
        List<Double> a = values(path, rate, connections, f);
        List<Double> b = values(baseline, rate, connections, f);
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            v.add(a.get(i) - b.get(i));
        }
        return v;
    }

    /** Per repetition: the path's value minus the direct path's (the latency the path adds). */
    List<Double> added(String path, double rate, int connections, ToDoubleFunction<LoadResult> f) {
        return minus(path, "direct", rate, connections, f);
    }

    static LoadResult result(Map<String, Object> run) {
        return (LoadResult) run.get("result");
    }

    static double rate(Map<String, Object> run) {
        return ((Number) run.get("rps")).doubleValue();
    }

    /** The run's connection count (reports written before connection counts were a dimension: the result's). */
    static int connections(Map<String, Object> run) {
        return run.get("connections") instanceof Number n ? n.intValue() : result(run).connections();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** {@code [min-max]} with {@code decimals} decimals, {@code -} for no values. */
    static String spread(List<Double> v, int decimals) {
        if (v.isEmpty()) {
            return "-";
        }
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, "[" + f + "-" + f + "]",
                v.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                v.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    /** {@code 1 connection}, {@code 16 connections}. */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String fmt(double rate) {
        return String.format(Locale.ROOT, "%,.0f", rate);
    }
}
