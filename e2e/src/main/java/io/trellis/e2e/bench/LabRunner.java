package io.trellis.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.install.lab.LabProcess;
import io.trellis.perf.load.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the load generator ({@link LabLoadMain}) in a path's client pod and meters every proxy's CPU across it: one
 * open-loop run, one single-stream transfer, one new-connections run; and the waypoint's ramp to its highest stable
 * rate.
 */
final class LabRunner {

    /** A ramp step is unstable when its p99 exceeds this (the waypoint is queueing, not serving). */
    static final double RAMP_P99_LIMIT_MICROS = 20_000;
    /** ... or when it completes less than this share of the target rate. */
    static final double RAMP_MIN_ACHIEVED = 0.95;
    private static final double GIB = 1024.0 * 1024 * 1024;

    private final MeshLab mesh;
    private final LabMeter meter;
    private final int rampConnections;
    private final ObjectMapper json = new ObjectMapper();

    /** {@code rampConnections}: the connection count of the waypoint's ramp. */
    LabRunner(MeshLab mesh, LabMeter meter, int rampConnections) {
        this.mesh = mesh;
        this.meter = meter;
        this.rampConnections = rampConnections;
    }

    /**
     * One run over {@code connections} connections: {@code warmupS} seconds not recorded, then {@code durationS}
     * recorded. The map holds the path, rate, repetition, the {@link LoadResult} (its {@code connections} too), every
     * proxy's CPU seconds and, for the proxies on the path, CPU seconds per 1,000 requests (warm-up requests included,
     * since the CPU delta spans the warm-up too).
     */
    Map<String, Object> run(LabPath path, double rps, int connections, int rep, int warmupS, int durationS)
            throws Exception {
        String tag = path.name() + "-" + (long) rps + "-" + connections + "c-" + rep;
        Launched l = launch(path, "load-" + tag, List.of("load", path.host(), String.valueOf(path.port()),
                String.valueOf(rps), String.valueOf(connections), String.valueOf(warmupS), String.valueOf(durationS)),
                Duration.ofSeconds(warmupS + durationS + 60L));
        LoadResult r = json.readValue(l.result().toFile(), LoadResult.class);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path.name());
        run.put("rps", rps);
        run.put("connections", connections);
        run.put("repetition", rep);
        run.put("result", r);
        run.put("cpuSeconds", l.cpu());
        run.put("cpuSecondsPer1000Requests", perUnit(path, l.cpu(), (r.completed() + r.warmupCompleted()) / 1000.0));
        System.out.printf(Locale.ROOT, "run path=%s rps=%.0f connections=%d rep=%d achieved_rps=%.1f p50=%.0fus "
                + "p99=%.0fus errors=%d cpu_per_1000=%s%n", path.name(), rps, connections, rep, r.achievedRps(),
                r.latencyMicros().p50(), r.latencyMicros().p99(), r.errors(), run.get("cpuSecondsPer1000Requests"));
        return run;
    }

    /**
     * One single-stream transfer of {@code bytes} to the sink over the path, timed until the sink confirmed the last
     * byte: MiB/s, every proxy's CPU seconds and, for the path's proxies, CPU seconds per GiB.
     */
    Map<String, Object> bulk(LabPath path, long bytes, int rep) throws Exception {
        String tag = path.name() + "-" + rep;
        Launched l = launch(path, "bulk-" + tag, List.of("bulk", path.host(), String.valueOf(path.sinkPort()),
                String.valueOf(bytes)), Duration.ofMinutes(5));
        Map<?, ?> r = json.readValue(l.result().toFile(), Map.class);
        double seconds = ((Number) r.get("nanos")).doubleValue() / 1e9;
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path.name());
        run.put("repetition", rep);
        run.put("bytes", bytes);
        run.put("seconds", seconds);
        run.put("mibPerSecond", bytes / (1024.0 * 1024) / seconds);
        run.put("cpuSeconds", l.cpu());
        run.put("cpuSecondsPerGiB", perUnit(path, l.cpu(), bytes / GIB));
        System.out.printf(Locale.ROOT, "bulk path=%s rep=%d mib=%d seconds=%.2f mib_per_s=%.1f cpu_per_gib=%s%n",
                path.name(), rep, bytes >> 20, seconds, run.get("mibPerSecond"), run.get("cpuSecondsPerGiB"));
        return run;
    }

    /**
     * New connections at {@code rate} per second for {@code warmupS + durationS} seconds, one request on each (open
     * loop; latency from the intended start includes connecting through every hop and its handshakes): the
     * {@link LoadResult}, every proxy's CPU seconds and, for the path's proxies, CPU seconds per 1,000 connections.
     */
    Map<String, Object> connects(LabPath path, double rate, int rep, int warmupS, int durationS) throws Exception {
        String tag = path.name() + "-" + (long) rate + "-" + rep;
        Launched l = launch(path, "connect-" + tag, List.of("connect", path.host(), String.valueOf(path.port()),
                String.valueOf(rate), String.valueOf(warmupS), String.valueOf(durationS)),
                Duration.ofSeconds(warmupS + durationS + 60L));
        LoadResult r = json.readValue(l.result().toFile(), LoadResult.class);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path.name());
        run.put("rate", rate);
        run.put("repetition", rep);
        run.put("result", r);
        run.put("cpuSeconds", l.cpu());
        run.put("cpuSecondsPer1000Connections", perUnit(path, l.cpu(),
                (r.completed() + r.warmupCompleted()) / 1000.0));
        System.out.printf(Locale.ROOT, "connect path=%s rate=%.0f rep=%d achieved=%.1f p50=%.0fus p99=%.0fus "
                + "errors=%d unfinished=%d%n", path.name(), rate, rep, r.achievedRps(), r.latencyMicros().p50(),
                r.latencyMicros().p99(), r.errors(), r.unfinished());
        return run;
    }

    /** A finished {@link LabLoadMain} run: the JSON it wrote and the proxies' CPU seconds across it. */
    private record Launched(Path result, Map<String, Double> cpu) {}

    private Launched launch(LabPath path, String name, List<String> args, Duration timeout) throws Exception {
        Path result = mesh.lab().runDir().resolve(name + ".json");
        Files.deleteIfExists(result);
        List<String> all = new ArrayList<>(args);
        all.add(result.toString());
        Map<String, Double> before = meter.cpuSeconds();
        LabProcess load = mesh.startApp(path.client(), name, ChildJvm.command(LabLoadMain.class.getName(), all));
        Poll.until(name, timeout, () -> !load.isAlive());
        Map<String, Double> cpu = LabMeter.delta(before, meter.cpuSeconds());
        if (!Files.exists(result)) {
            throw new IllegalStateException(name + " wrote no result; its log:\n" + load.log());
        }
        return new Launched(result, cpu);
    }

    /** CPU seconds of each proxy on the path divided by {@code units} (0 when nothing was done). */
    private static Map<String, Double> perUnit(LabPath path, Map<String, Double> cpu, double units) {
        Map<String, Double> per = new LinkedHashMap<>();
        for (String proxy : path.proxies()) {
            per.put(proxy, units <= 0 ? 0 : cpu.getOrDefault(proxy, 0.0) / units);
        }
        return per;
    }

    /**
     * Raises the rate through the waypoint path step by step until a step is unstable (errors, p99 above
     * {@link #RAMP_P99_LIMIT_MICROS}, or under {@link #RAMP_MIN_ACHIEVED} of the target). Each step records the
     * waypoint's requests per CPU-second; at the highest stable step that is its requests per second per core.
     */
    Map<String, Object> ramp(LabPath path, String proxy, List<Integer> rates, int warmupS, int durationS)
            throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> best = null;
        double served = 0;
        for (int rate : rates) {
            Map<String, Object> run = run(path, rate, rampConnections, 1, warmupS, durationS);
            LoadResult r = (LoadResult) run.get("result");
            double cpu = ((Map<?, ?>) run.get("cpuSeconds")).get(proxy) instanceof Double d ? d : 0;
            long requests = r.completed() + r.warmupCompleted();
            boolean stable = r.errors() == 0 && r.latencyMicros().p99() <= RAMP_P99_LIMIT_MICROS
                    && r.achievedRps() >= RAMP_MIN_ACHIEVED * rate;
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("rps", rate);
            step.put("achievedRps", r.achievedRps());
            step.put("p50Micros", r.latencyMicros().p50());
            step.put("p99Micros", r.latencyMicros().p99());
            step.put("errors", r.errors());
            step.put("proxyCpuSeconds", cpu);
            step.put("proxyCores", cpu / (warmupS + durationS));
            step.put("requestsPerCpuSecond", cpu <= 0 ? 0 : requests / cpu);
            step.put("stable", stable);
            steps.add(step);
            if (r.errors() == 0 && r.achievedRps() >= RAMP_MIN_ACHIEVED * rate) {
                served = Math.max(served, (double) step.get("requestsPerCpuSecond"));
            }
            if (!stable) {
                break;
            }
            best = step;
        }
        Map<String, Object> ramp = new LinkedHashMap<>();
        ramp.put("proxy", proxy);
        ramp.put("path", path.name());
        ramp.put("p99LimitMicros", RAMP_P99_LIMIT_MICROS);
        ramp.put("minAchievedShare", RAMP_MIN_ACHIEVED);
        ramp.put("steps", steps);
        ramp.put("maxStableRps", best == null ? 0 : best.get("achievedRps"));
        ramp.put("requestsPerSecondPerCore", best == null ? 0 : best.get("requestsPerCpuSecond"));
        // when even the first step's p99 is over the limit (a loaded machine), what the waypoint served per
        // CPU-second at rates it kept up with, errors-free, is still worth reporting
        ramp.put("requestsPerCpuSecondIgnoringLatency", served);
        return ramp;
    }
}
