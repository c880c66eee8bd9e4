package io.trellis.e2e.bench;

import static io.trellis.e2e.bench.LabRuns.fmt;
import static io.trellis.e2e.bench.LabRuns.median;
import static io.trellis.e2e.bench.LabRuns.spread;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Issue 7's targets, judged from one lab report: every comparison uses runs of the same benchmark run (the peers and
 * the baseline ran interleaved with the pair), never numbers from another run. A target whose paths did not run says
 * so instead of passing or failing.
 */
final class LabTargets {

    /** Istio's published ztunnel figure: +0.20 ms p99 for two hops at 1,000 rps. */
    static final double PAIR_ADDED_P99_MICROS = 200;
    /** Istio's Envoy-based waypoint figure: +0.5 ms p99 for L4 + waypoint at 1,000 rps. */
    static final double WAYPOINT_ADDED_P99_MICROS = 500;
    /** Cores per 1,000 rps per node-proxy. */
    static final double NODE_PROXY_CORES_PER_1000_RPS = 0.06;
    /** Cores per 1,000 rps for the waypoint (Envoy's waypoint figure). */
    static final double WAYPOINT_CORES_PER_1000_RPS = 0.25;

    private static final String PAIR = "pair";

    /**
     * One target's verdict.
     *
     * @param target what issue 7 asks, with the rate and connection count it was judged at
     * @param measured this run's numbers behind the verdict
     * @param met true or false; null when the paths it needs did not run
     * @param verdict {@code met} or {@code missed by ...}, or why it was not judged
     */
    record Target(String target, String measured, @Nullable Boolean met, String verdict) {}

    private LabTargets() {
    }

    @SuppressWarnings("unchecked")
    static List<Target> evaluate(Map<String, Object> report) {
        Map<String, Object> config = (Map<String, Object>) report.get("config");
        LabRuns runs = new LabRuns((List<Map<String, Object>>) report.get("runs"));
        double rate = ((Number) config.get("primaryRps")).doubleValue();
        int headline = LabMarkdown.headlineConnections(report);
        List<Target> targets = new ArrayList<>();
        for (int conns : runs.connections()) {
            targets.add(pairVsHaproxy(runs, rate, conns));
        }
        targets.add(throughput((List<Map<String, Object>>) report.get("bulk")));
        targets.add(added(runs, PAIR, "L4 pair", PAIR_ADDED_P99_MICROS, rate, headline));
        targets.add(added(runs, LabBenchmark.WAYPOINT, "L4 + waypoint", WAYPOINT_ADDED_P99_MICROS, rate, headline));
        targets.add(cores(runs, PAIR, List.of(LabBenchmark.NODE1, LabBenchmark.NODE2), "node-proxy",
                NODE_PROXY_CORES_PER_1000_RPS, rate, headline));
        targets.add(cores(runs, LabBenchmark.WAYPOINT, List.of(LabBenchmark.WAYPOINT), "waypoint",
                WAYPOINT_CORES_PER_1000_RPS, rate, headline));
        return targets;
    }

    static void section(StringBuilder b, Map<String, Object> report) {
        b.append("## Issue 7 targets, judged from this run\n\n| target | this run | verdict |\n|---|---|---|\n");
        for (Target t : evaluate(report)) {
            b.append("| ").append(t.target()).append(" | ").append(t.measured()).append(" | ")
                    .append(t.met() == null ? t.verdict() : "**" + t.verdict() + "**").append(" |\n");
        }
        b.append("\nMedians over the repetitions; the peers ran interleaved with the pair, on the same machine.\n\n");
    }

    private static Target pairVsHaproxy(LabRuns runs, double rate, int conns) {
        String target = String.format(Locale.ROOT, "L4 pair p99 no worse than the HAProxy pair (%s rps, %s)",
                fmt(rate), LabRuns.count(conns, "connection"));
        List<Double> pair = runs.values(PAIR, rate, conns, r -> r.latencyMicros().p99());
        List<Double> peer = runs.values(LabBenchmark.HAPROXY_PAIR, rate, conns, r -> r.latencyMicros().p99());
        if (pair.isEmpty() || peer.isEmpty()) {
            return notRun(target, "pair and haproxy-pair");
        }
        double a = median(pair);
        double h = median(peer);
        List<Double> diff = runs.minus(PAIR, LabBenchmark.HAPROXY_PAIR, rate, conns, r -> r.latencyMicros().p99());
        String measured = String.format(Locale.ROOT, "pair %.0f µs, HAProxy pair %.0f µs (pair minus HAProxy per "
                + "repetition: median %+.0f µs, %s)", a, h, median(diff), spread(diff, 0));
        return a <= h ? new Target(target, measured, true, String.format(Locale.ROOT, "met (%.0f µs lower)", h - a))
                : new Target(target, measured, false, String.format(Locale.ROOT, "missed by %.0f µs (%.2fx)", a - h,
                        a / h));
    }

    private static Target throughput(@Nullable List<Map<String, Object>> bulk) {
        String target = "Single-stream throughput through the L4 pair >= the HAProxy pair's";
        double a = bulk == null ? Double.NaN : LabTransferMarkdown.bulkMedian(bulk, PAIR);
        double h = bulk == null ? Double.NaN : LabTransferMarkdown.bulkMedian(bulk, LabBenchmark.HAPROXY_PAIR);
        if (Double.isNaN(a) || Double.isNaN(h)) {
            return notRun(target, "pair and haproxy-pair throughput");
        }
        String measured = String.format(Locale.ROOT, "pair %.0f MiB/s, HAProxy pair %.0f MiB/s (%.0f %%)", a, h,
                100 * a / h);
        return a >= h ? new Target(target, measured, true, "met")
                : new Target(target, measured, false, String.format(Locale.ROOT, "missed by %.0f MiB/s", h - a));
    }

    private static Target added(LabRuns runs, String path, String label, double limit, double rate, int conns) {
        String target = String.format(Locale.ROOT, "%s added p99 <= %.0f µs (%s rps, %s)", label, limit,
                fmt(rate), LabRuns.count(conns, "connection"));
        List<Double> added = runs.added(path, rate, conns, r -> r.latencyMicros().p99());
        if (added.isEmpty()) {
            return notRun(target, path + " and direct");
        }
        double v = median(added);
        String measured = String.format(Locale.ROOT, "%+.0f µs (spread %s)", v, spread(added, 0));
        return v <= limit ? new Target(target, measured, true, "met")
                : new Target(target, measured, false, String.format(Locale.ROOT, "missed by %.0f µs", v - limit));
    }

    @SuppressWarnings("unchecked")
    private static Target cores(LabRuns runs, String path, List<String> proxies, String label, double limit,
            double rate, int conns) {
        String target = String.format(Locale.ROOT, "%s <= %.2f cores per 1,000 rps (%s, %s rps, %s)",
                label, limit, path, fmt(rate), LabRuns.count(conns, "connection"));
        List<Map<String, Object>> of = runs.of(path, rate, conns);
        if (of.isEmpty()) {
            return notRun(target, path);
        }
        double worst = 0;
        List<String> parts = new ArrayList<>();
        for (String proxy : proxies) {
            List<Double> v = of.stream().map(r -> ((Map<String, Number>) r.get("cpuSecondsPer1000Requests"))
                    .getOrDefault(proxy, 0).doubleValue()).toList();
            double m = median(v);
            worst = Math.max(worst, m);
            parts.add(String.format(Locale.ROOT, "%s %.3f", proxy, m));
        }
        String measured = String.join(", ", parts);
        return worst <= limit ? new Target(target, measured, true, "met")
                : new Target(target, measured, false, String.format(Locale.ROOT, "missed by %.3f (%.1fx)",
                        worst - limit, worst / limit));
    }

    private static Target notRun(String target, String needed) {
        return new Target(target, "-", null, "not measured in this run (needs " + needed + ")");
    }
}
