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
 * Runs one open-loop load run ({@link LabLoadMain} in the path's client pod) and meters every proxy's CPU across it;
 * and the waypoint's ramp to its highest stable rate.
 */
final class LabRunner {

    /** A ramp step is unstable when its p99 exceeds this (the waypoint is queueing, not serving). */
    static final double RAMP_P99_LIMIT_MICROS = 20_000;
    /** ... or when it completes less than this share of the target rate. */
    static final double RAMP_MIN_ACHIEVED = 0.95;

    private final MeshLab mesh;
    private final LabMeter meter;
    private final int connections;
    private final ObjectMapper json = new ObjectMapper();

    LabRunner(MeshLab mesh, LabMeter meter, int connections) {
        this.mesh = mesh;
        this.meter = meter;
        this.connections = connections;
    }

    /**
     * One run: {@code warmupS} seconds not recorded, then {@code durationS} recorded. The map holds the path, rate,
     * repetition, the {@link LoadResult}, every proxy's CPU seconds and, for the proxies on the path, CPU seconds per
     * 1,000 requests (warm-up requests included, since the CPU delta spans the warm-up too).
     */
    Map<String, Object> run(LabPath path, double rps, int rep, int warmupS, int durationS) throws Exception {
        String tag = path.name() + "-" + (long) rps + "-" + rep;
        Path result = mesh.lab().runDir().resolve("load-" + tag + ".json");
        Files.deleteIfExists(result);
        Map<String, Double> before = meter.cpuSeconds();
        LabProcess load = mesh.startApp(path.client(), "load-" + tag, ChildJvm.command(
                LabLoadMain.class.getName(), List.of("load", path.host(), String.valueOf(path.port()),
                        String.valueOf(rps), String.valueOf(connections), String.valueOf(warmupS),
                        String.valueOf(durationS), result.toString())));
        Poll.until("load run " + tag, Duration.ofSeconds(warmupS + durationS + 60L), () -> !load.isAlive());
        Map<String, Double> cpu = LabMeter.delta(before, meter.cpuSeconds());
        if (!Files.exists(result)) {
            throw new IllegalStateException("load run " + tag + " wrote no result; its log:\n" + load.log());
        }
        LoadResult r = json.readValue(result.toFile(), LoadResult.class);
        long requests = r.completed() + r.warmupCompleted();
        Map<String, Double> per1000 = new LinkedHashMap<>();
        for (String proxy : path.proxies()) {
            per1000.put(proxy, requests == 0 ? 0 : cpu.get(proxy) * 1000 / requests);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path.name());
        run.put("rps", rps);
        run.put("repetition", rep);
        run.put("result", r);
        run.put("cpuSeconds", cpu);
        run.put("cpuSecondsPer1000Requests", per1000);
        System.out.printf(Locale.ROOT, "run path=%s rps=%.0f rep=%d achieved_rps=%.1f p50=%.0fus p99=%.0fus errors=%d"
                + " cpu_per_1000=%s%n", path.name(), rps, rep, r.achievedRps(), r.latencyMicros().p50(),
                r.latencyMicros().p99(), r.errors(), per1000);
        return run;
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
            Map<String, Object> run = run(path, rate, 1, warmupS, durationS);
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
