package io.trellis.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabSpec;
import io.trellis.perf.load.LoadResult;
import io.trellis.perf.peer.ProcUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./trellis bench lab} (root): the real node-proxy pair of a 2-node lab. Pod a1 (enrolled, captured) loads pod
 * b1 through node-proxy node1, HBONE, node-proxy node2; pod a2 (left out of the mesh) loads pod b2 directly as the
 * baseline. Both load generators are child JVMs inside their pods. Node-proxy CPU and RSS come from /proc.
 */
@Command(name = "bench lab", mixinStandardHelpOptions = true,
        description = "Node-proxy pair vs direct in the lab: latency, CPU per 1,000 requests, RSS (needs root).")
public final class LabBenchmark implements Callable<Integer> {

    private static final int PORT = 18090;
    private static final String[] PROXIES = {"node-proxy-node1", "node-proxy-node2"};

    @Option(names = "--rps", defaultValue = "1000", description = "Open-loop request rate.")
    double rps;
    @Option(names = "--connections", defaultValue = "16")
    int connections;
    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up seconds per run (not recorded).")
    int warmupSeconds;
    @Option(names = "--duration", defaultValue = "20", description = "Recorded seconds per run.")
    int durationSeconds;
    @Option(names = "--repetitions", defaultValue = "3")
    int repetitions;
    @Option(names = "--held", defaultValue = "10000", description = "Connections held open through the pair.")
    int held;
    @Option(names = "--pods-per-node", defaultValue = "50", description = "Pods per node for the enrolled-pods RSS.")
    int podsPerNode;
    @Option(names = "--out", defaultValue = "perf/results", description = "Directory for lab.json and lab.md.")
    Path out;

    private final Map<String, Object> report = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new LabBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> missing = MeshLab.missingPrerequisites();
        if (!missing.isEmpty()) {
            System.err.println("error: the lab benchmark needs " + missing);
            return 2;
        }
        report.put("started", Instant.now().toString());
        report.put("cpus", Runtime.getRuntime().availableProcessors());
        report.put("loadavgBefore", loadavg());
        report.put("config", Map.of("rps", rps, "connections", connections, "warmupSeconds", warmupSeconds,
                "durationSeconds", durationSeconds, "repetitions", repetitions, "requestBytes", 1024,
                "responseBytes", 1024, "protocol", "HTTP/1.1 keep-alive, Poisson arrivals"));
        try (MeshLab mesh = MeshLab.start(new MeshLab.Options(LabSpec.standard(prefix(), 2, 2), "node1",
                Set.of("a2"), Map.of()))) {
            pairPhase(mesh);
        }
        try (MeshLab mesh = MeshLab.start(new MeshLab.Options(LabSpec.standard(prefix(), 2, podsPerNode), "node1",
                Set.of(), Map.of()))) {
            settle();
            report.put("rssWithEnrolledPods", Map.of("enrolledPods", 2 * podsPerNode, "rssKiB", rss(mesh)));
        }
        report.put("loadavgAfter", loadavg());
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("lab.json").toFile(),
                report);
        Files.writeString(out.resolve("lab.md"), LabMarkdown.render(report));
        System.out.println(Files.readString(out.resolve("lab.md")));
        return 0;
    }

    private void pairPhase(MeshLab mesh) throws Exception {
        settle();
        report.put("rssIdleKiB", rss(mesh));
        String b1 = mesh.lab().pod("b1").ip();
        String b2 = mesh.lab().pod("b2").ip();
        for (String pod : List.of("b1", "b2")) {
            mesh.startApp(pod, "target-" + pod, ChildJvm.command(LabTargetMain.class.getName(),
                    List.of(String.valueOf(PORT), "1024")));
        }
        Poll.until("target in b1 answering a1 through the mesh", MeshLab.STARTUP,
                () -> mesh.curl("a1", "http://" + b1 + ":" + PORT + "/").exitCode() == 0);
        Poll.until("target in b2 answering a2 directly", MeshLab.STARTUP,
                () -> mesh.curl("a2", "http://" + b2 + ":" + PORT + "/").exitCode() == 0);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int rep = 1; rep <= repetitions; rep++) {
            runs.add(loadRun(mesh, "direct", "a2", b2, rep));
            runs.add(loadRun(mesh, "mesh", "a1", b1, rep));
        }
        report.put("runs", runs);
        report.put("rssAfterLoadKiB", rss(mesh));
        heldPhase(mesh, b1);
    }

    private Map<String, Object> loadRun(MeshLab mesh, String path, String client, String target, int rep)
            throws Exception {
        Path result = mesh.lab().runDir().resolve("load-" + path + "-" + rep + ".json");
        Files.deleteIfExists(result);
        ProcUsage before = usage(mesh);
        LabProcess load = mesh.startApp(client, "load-" + path + "-" + rep, ChildJvm.command(
                LabLoadMain.class.getName(), List.of("load", target, String.valueOf(PORT), String.valueOf(rps),
                        String.valueOf(connections), String.valueOf(warmupSeconds), String.valueOf(durationSeconds),
                        result.toString())));
        Poll.until("load run " + path + " " + rep, Duration.ofSeconds(warmupSeconds + durationSeconds + 60L),
                () -> !load.isAlive());
        ProcUsage after = usage(mesh);
        if (!Files.exists(result)) {
            throw new IllegalStateException("load run " + path + " " + rep + " wrote no result; its log:\n"
                    + load.log());
        }
        LoadResult r = new ObjectMapper().readValue(result.toFile(), LoadResult.class);
        long requests = r.completed() + r.warmupCompleted();
        double cpu = after.cpuSeconds() - before.cpuSeconds();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path);
        run.put("repetition", rep);
        run.put("result", r);
        run.put("nodeProxyCpuSeconds", cpu);
        run.put("nodeProxyCpuSecondsPer1000Requests", requests == 0 ? 0 : cpu * 1000 / requests);
        System.out.printf("run path=%s rep=%d achieved_rps=%.1f p50=%.0fus p90=%.0fus p99=%.0fus errors=%d cpu=%.2fs%n",
                path, rep, r.achievedRps(), r.latencyMicros().p50(), r.latencyMicros().p90(), r.latencyMicros().p99(),
                r.errors(), cpu);
        return run;
    }

    private void heldPhase(MeshLab mesh, String b1) throws Exception {
        Path opened = mesh.lab().runDir().resolve("held-open");
        Path stop = mesh.lab().runDir().resolve("held-stop");
        Files.deleteIfExists(opened);
        Files.deleteIfExists(stop);
        LabProcess hold = mesh.startApp("a1", "hold", ChildJvm.command(LabLoadMain.class.getName(),
                List.of("hold", b1, String.valueOf(PORT), String.valueOf(held), opened.toString(), stop.toString())));
        Poll.until("held connections opened", Duration.ofSeconds(180), () -> Files.exists(opened) || !hold.isAlive());
        String[] counts = Files.exists(opened) ? Files.readString(opened).trim().split(" ") : new String[] {"0", "0"};
        settle();
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("requested", held);
        h.put("open", Integer.parseInt(counts[0]));
        h.put("failed", Integer.parseInt(counts[1]));
        h.put("rssKiB", rss(mesh));
        h.put("proxiesAlive", mesh.process(PROXIES[0]).isAlive() && mesh.process(PROXIES[1]).isAlive());
        report.put("held", h);
        Files.writeString(stop, "stop");
        Poll.until("held connections closed", Duration.ofSeconds(30), () -> !hold.isAlive());
    }

    private static Map<String, Long> rss(MeshLab mesh) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String p : PROXIES) {
            m.put(p, ProcUsage.of(JavaPid.of(mesh.process(p).pid())).rssKiB());
        }
        return m;
    }

    private static ProcUsage usage(MeshLab mesh) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String p : PROXIES) {
            pids.add(JavaPid.of(mesh.process(p).pid()));
        }
        return ProcUsage.sum(pids);
    }

    /** Lets the proxies finish their start-up work (xDS, certificates) before a reading. */
    private static void settle() throws InterruptedException {
        Thread.sleep(3000);
    }

    private static String loadavg() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static String prefix() {
        byte[] id = new byte[3];
        new SecureRandom().nextBytes(id);
        return "trbench-" + HexFormat.of().formatHex(id);
    }
}
