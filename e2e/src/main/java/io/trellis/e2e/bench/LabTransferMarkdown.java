package io.trellis.e2e.bench;

import static io.trellis.e2e.bench.LabRuns.median;
import static io.trellis.e2e.bench.LabRuns.spread;

import io.trellis.perf.load.LoadResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The report's single-stream throughput and new-connections tables and their bar chart, from the maps
 * {@link LabRunner#bulk} and {@link LabRunner#connects} return; and the medians {@link LabTargets} compares.
 */
final class LabTransferMarkdown {

    private LabTransferMarkdown() {
    }

    static void bulk(StringBuilder b, @Nullable List<Map<String, Object>> bulk) {
        if (bulk == null || bulk.isEmpty()) {
            return;
        }
        long mib = ((Number) bulk.getFirst().get("bytes")).longValue() >> 20;
        b.append("## Single-stream throughput (MiB/s)\n\n").append(mib).append(" MiB on one connection to a sink in ")
                .append("the destination pod, timed until the sink confirmed the last byte; ")
                .append(LabRuns.count(repetitions(bulk), "repetition")).append(", interleaved path by path, after ")
                .append("one unrecorded transfer per path.\n\n")
                .append("| path | MiB/s | spread | vs direct | proxy CPU-seconds per GiB |\n|---|---|---|---|---|\n");
        double direct = bulkMedian(bulk, "direct");
        for (String path : paths(bulk)) {
            double v = bulkMedian(bulk, path);
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %s |%n", path, v,
                    spread(values(bulk, path, r -> ((Number) r.get("mibPerSecond")).doubleValue()), 0),
                    path.equals("direct") || Double.isNaN(direct) ? "-"
                            : String.format(Locale.ROOT, "%.0f %%", 100 * v / direct),
                    perProxy(bulk, path, "cpuSecondsPerGiB", "%.2f")));
        }
        b.append('\n');
    }

    static void connects(StringBuilder b, @Nullable List<Map<String, Object>> connects) {
        if (connects == null || connects.isEmpty()) {
            return;
        }
        b.append("## New connections per second\n\n")
                .append("Open loop at each rate, one 1 KiB request with `Connection: close` on each new connection; ")
                .append("latency from the intended start, so it includes connecting through every hop (the HAProxy ")
                .append("pair's TLS handshake per connection, the node-proxies' tunnel on a pooled HBONE connection); ")
                .append("at most ").append(LabLoadMain.CONNECT_MAX_OPEN)
                .append(" open at once, later arrivals wait and that counts; the client closes each connection with a ")
                .append("reset (SO_LINGER 0, so its ports do not pile up in TIME_WAIT), which the proxies propagate. ")
                .append(LabRuns.count(repetitions(connects), "repetition"))
                .append(", interleaved path by path, after one unrecorded run per path at the first rate; medians.\n\n")
                .append("| new conns/s | path | achieved /s | p50 µs | p99 µs | added p99 vs direct | p99 spread | not "
                        + "completed (all reps) | proxy CPU-seconds per 1,000 connections |\n"
                        + "|---|---|---|---|---|---|---|---|---|\n");
        for (double rate : connects.stream().map(r -> num(r, "rate")).distinct().sorted().toList()) {
            List<Map<String, Object>> atRate = connects.stream().filter(r -> num(r, "rate") == rate).toList();
            double directP99 = connectMedian(atRate, "direct", r -> r.latencyMicros().p99());
            for (String path : paths(atRate)) {
                double p99 = connectMedian(atRate, path, r -> r.latencyMicros().p99());
                long failed = 0;
                for (Map<String, Object> run : atRate) {
                    if (run.get("path").equals(path)) {
                        LoadResult r = LabRuns.result(run);
                        failed += r.errors() + r.overflowed() + r.unfinished();
                    }
                }
                b.append(String.format(Locale.ROOT, "| %.0f | %s | %.1f | %.0f | %.0f | %s | %s | %d | %s |%n", rate,
                        path, connectMedian(atRate, path, LoadResult::achievedRps),
                        connectMedian(atRate, path, r -> r.latencyMicros().p50()), p99,
                        path.equals("direct") || Double.isNaN(directP99) ? "-"
                                : String.format(Locale.ROOT, "%.0f", p99 - directP99),
                        spread(values(atRate, path, r -> LabRuns.result(r).latencyMicros().p99()), 0), failed,
                        perProxy(atRate, path, "cpuSecondsPer1000Connections", "%.3f")));
            }
        }
        b.append('\n');
    }

    /**
     * {@code file}: single-stream MiB/s per path, and the new connections' p99 per path at each rate, as bars (median,
     * whiskers over the repetitions). Writes nothing and returns false when neither phase ran.
     */
    static boolean plot(@Nullable List<Map<String, Object>> bulk, @Nullable List<Map<String, Object>> connects,
            Path file) throws IOException {
        List<LabBarPlot.Panel> panels = new ArrayList<>();
        if (bulk != null && !bulk.isEmpty()) {
            panels.add(new LabBarPlot.Panel("Single-stream throughput", "MiB/s", bars(bulk,
                    r -> ((Number) r.get("mibPerSecond")).doubleValue())));
        }
        if (connects != null) {
            for (double rate : connects.stream().map(r -> num(r, "rate")).distinct().sorted().toList()) {
                List<Map<String, Object>> atRate = connects.stream().filter(r -> num(r, "rate") == rate).toList();
                panels.add(new LabBarPlot.Panel(String.format(Locale.ROOT, "New connections at %.0f/s: p99", rate),
                        "µs", bars(atRate, r -> LabRuns.result(r).latencyMicros().p99())));
            }
        }
        if (panels.isEmpty()) {
            return false;
        }
        LabBarPlot.write(file, "Lab: direct vs node-proxy pair vs HAProxy mTLS pair (bars: median; whiskers: "
                + "lowest and highest repetition)", panels);
        return true;
    }

    private static List<LabBarPlot.Bar> bars(List<Map<String, Object>> runs, ToDoubleFunction<Map<String, Object>> f) {
        List<LabBarPlot.Bar> bars = new ArrayList<>();
        for (String path : paths(runs)) {
            List<Double> v = values(runs, path, f);
            bars.add(new LabBarPlot.Bar(path, median(v), v.stream().mapToDouble(Double::doubleValue).min()
                    .orElse(Double.NaN), v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
        }
        return bars;
    }

    /** Median MiB/s of {@code path} over its repetitions (NaN when it did not run). */
    static double bulkMedian(List<Map<String, Object>> bulk, String path) {
        return median(values(bulk, path, r -> ((Number) r.get("mibPerSecond")).doubleValue()));
    }

    static double connectMedian(List<Map<String, Object>> connects, String path, ToDoubleFunction<LoadResult> f) {
        return median(values(connects, path, r -> f.applyAsDouble(LabRuns.result(r))));
    }

    private static List<Double> values(List<Map<String, Object>> runs, String path,
            ToDoubleFunction<Map<String, Object>> f) {
        return runs.stream().filter(r -> r.get("path").equals(path)).map(f::applyAsDouble).toList();
    }

    /** {@code proxy median; proxy median} of a per-proxy map over the path's repetitions. */
    @SuppressWarnings("unchecked")
    private static String perProxy(List<Map<String, Object>> runs, String path, String key, String format) {
        Map<String, List<Double>> per = new LinkedHashMap<>();
        for (Map<String, Object> run : runs) {
            if (run.get("path").equals(path)) {
                ((Map<String, Number>) run.get(key)).forEach((proxy, v) ->
                        per.computeIfAbsent(proxy, k -> new ArrayList<>()).add(v.doubleValue()));
            }
        }
        if (per.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        per.forEach((proxy, v) -> parts.add(proxy + " " + String.format(Locale.ROOT, format, median(v))));
        return String.join("; ", parts);
    }

    private static List<String> paths(List<Map<String, Object>> runs) {
        List<String> paths = new ArrayList<>();
        runs.forEach(r -> {
            if (!paths.contains((String) r.get("path"))) {
                paths.add((String) r.get("path"));
            }
        });
        return paths;
    }

    private static long repetitions(List<Map<String, Object>> runs) {
        return runs.stream().mapToInt(r -> ((Number) r.get("repetition")).intValue()).max().orElse(0);
    }

    private static double num(Map<String, Object> m, String key) {
        return LabMarkdown.num(m, key);
    }
}
