package io.trellis.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabSpec;
import io.trellis.perf.peer.PeerException;
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
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./trellis bench lab} (root): in one 2-node lab ({@link BenchTopology}) and one run, the direct path, the
 * node-proxy pair, the L4 + waypoint path, HAProxy as the HTTP peer and an HAProxy mTLS pair as the L4 peer
 * ({@link LabHaproxyPair}), at several rates and connection counts, interleaved repetition by repetition;
 * single-stream throughput and new connections per second over direct, the pair and the HAProxy pair; then the
 * waypoint's ramp to its highest stable rate, the proxies' RSS (idle, after load, with held connections) and, in a
 * second lab, the node-proxies' RSS with many enrolled pods. Load generators are child JVMs in
 * the client pods; CPU and RSS come from /proc. Writes {@code <name>.json}, {@code <name>.md} and
 * {@code <name>-latency.png} under {@code --out}.
 */
@Command(name = "bench lab", mixinStandardHelpOptions = true,
        description = "Direct vs node-proxy pair vs L4 + waypoint vs HAProxy (HTTP) vs HAProxy mTLS pair in the lab: "
                + "latency, single-stream throughput, new connections/s, CPU per 1,000 requests, waypoint requests/s "
                + "per core, RSS (needs root).")
public final class LabBenchmark implements Callable<Integer> {

    static final String NODE1 = "node-proxy-node1";
    static final String NODE2 = "node-proxy-node2";
    static final String WAYPOINT = "waypoint";
    static final String HAPROXY = "haproxy";
    static final String HAPROXY_PAIR = "haproxy-pair";
    static final List<String> ALL_PATHS = List.of("direct", "pair", WAYPOINT, HAPROXY, HAPROXY_PAIR);
    /** The paths measured for new connections per second: the two L4 pairs and their baseline. */
    static final List<String> CONNECT_PATHS = List.of("direct", "pair", HAPROXY_PAIR);
    /** The connection counts of issue 7's matrix ({@code --full-matrix}). */
    static final List<Integer> MATRIX_CONNECTIONS = List.of(1, 16, 64);

    @Option(names = "--rates", split = ",", defaultValue = "100,1000,5000", description = "Open-loop request rates.")
    List<Integer> rates;
    @Option(names = "--primary-rps", defaultValue = "1000",
            description = "The rate measured with --repetitions, --warmup and --duration (the headline numbers).")
    int primaryRps;
    @Option(names = "--repetitions", defaultValue = "3")
    int repetitions;
    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up seconds per run at the primary rate.")
    int warmupSeconds;
    @Option(names = "--duration", defaultValue = "15", description = "Recorded seconds per run at the primary rate.")
    int durationSeconds;
    @Option(names = "--other-repetitions", defaultValue = "1", description = "Repetitions at the other rates.")
    int otherRepetitions;
    @Option(names = "--other-warmup", defaultValue = "3")
    int otherWarmupSeconds;
    @Option(names = "--other-duration", defaultValue = "8")
    int otherDurationSeconds;
    @Option(names = "--connections", split = ",", defaultValue = "16",
            description = "Connection counts; every rate runs with each (default 16; issue 7's matrix is 1,16,64).")
    List<Integer> connections;
    @Option(names = "--full-matrix", description = "Issue 7's whole matrix: --connections 1,16,64 and every rate "
            + "with --repetitions (about 40 minutes in all on a quiet 2-CPU machine, against 12 by default).")
    boolean fullMatrix;
    @Option(names = "--paths", split = ",", defaultValue = "direct,pair,waypoint,haproxy,haproxy-pair",
            description = "Paths (default all): direct, pair, waypoint, haproxy (HTTP peer), haproxy-pair (L4 peer).")
    List<String> paths;
    @Option(names = "--bulk-mib", defaultValue = "2048", description = "MiB per single-stream transfer over direct, "
            + "pair and haproxy-pair, --repetitions times each after one unrecorded, interleaved (0: skip). 2 GiB "
            + "lasts a few seconds: long enough for a JIT-compiled proxy to reach its steady state, which 256 MiB "
            + "(half a second) did not.")
    int bulkMiB;
    @Option(names = "--connect-rates", split = ",", defaultValue = "200", description = "New connections per second "
            + "over direct, pair and haproxy-pair, one request each, --repetitions times each rate after one "
            + "unrecorded run per path, interleaved (0: skip).")
    List<Integer> connectRates;
    @Option(names = "--connect-warmup", defaultValue = "2")
    int connectWarmupSeconds;
    @Option(names = "--connect-duration", defaultValue = "8")
    int connectDurationSeconds;
    @Option(names = "--ramp", split = ",", defaultValue = "2000,3500,5000,7000,10000",
            description = "Rates of the waypoint's ramp (0: no ramp).")
    List<Integer> ramp;
    @Option(names = "--held", defaultValue = "10000", description = "Connections held open through the pair (0: skip).")
    int held;
    @Option(names = "--pods-per-node", defaultValue = "50",
            description = "Pods per node for the enrolled-pods RSS, in a second lab (0: skip).")
    int podsPerNode;
    @Option(names = "--proxy-jvm-flags", description = "Replace the node-proxy's and waypoint's JVM flags "
            + "(space-separated; default ChildJvm.PROXY_FLAGS).")
    String proxyJvmFlags;
    @Option(names = "--profile", description = "Record JFR and NMT in the proxies; dump them after the primary runs "
            + "(and the node-proxies' heap histograms while --held connections are open).")
    boolean profile;
    @Option(names = "--out", defaultValue = "perf/results", description = "Directory for the report files.")
    Path out;
    @Option(names = "--name", defaultValue = "lab", description = "Base name of the report files.")
    String name;

    private final Map<String, Object> report = new LinkedHashMap<>();
    private @Nullable LabProcess haproxy;
    private @Nullable LabHaproxyPair haproxyPair;
    private final List<LabProcess> sinks = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new LabBenchmark()).execute(args));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        List<String> missing = MeshLab.missingPrerequisites();
        if (!MeshLab.onPath("haproxy") && (paths.contains(HAPROXY) || paths.contains(HAPROXY_PAIR))) {
            missing.add("haproxy on the PATH (apt-get install -y haproxy)");
        }
        if (!missing.isEmpty()) {
            System.err.println("error: the lab benchmark needs " + missing);
            return 2;
        }
        if (fullMatrix) {
            connections = MATRIX_CONNECTIONS;
            otherRepetitions = repetitions;
        }
        List<String> unknown = paths.stream().filter(p -> !ALL_PATHS.contains(p)).toList();
        if (!unknown.isEmpty()) {
            System.err.println("error: unknown --paths " + unknown + "; the lab has " + ALL_PATHS);
            return 2;
        }
        if (connections.isEmpty() || connections.stream().anyMatch(c -> c < 1)) {
            System.err.println("error: --connections needs positive counts, got " + connections);
            return 2;
        }
        if (proxyJvmFlags != null) {
            System.setProperty(ChildJvm.PROXY_FLAGS_PROPERTY, proxyJvmFlags);
        }
        if (profile) {
            LabProfiler.enable(System.getProperty(ChildJvm.PROXY_EXTRA_FLAGS_PROPERTY, ""));
        }
        long start = System.nanoTime();
        report.put("started", Instant.now().toString());
        report.put("cpus", Runtime.getRuntime().availableProcessors());
        report.put("loadavgBefore", loadavg());
        report.put("proxyJvmFlags", ChildJvm.flagsFor("io.trellis.node.NodeProxyMain"));
        report.put("config", config());
        try (MeshLab mesh = MeshLab.start(BenchTopology.options(prefix()))) {
            mainPhase(mesh);
        }
        if (podsPerNode > 0) {
            try (MeshLab mesh = MeshLab.start(new MeshLab.Options(LabSpec.standard(prefix(), 2, podsPerNode), "node1",
                    Set.of(), Map.of()))) {
                LabMeter meter = new LabMeter();
                meter.add(NODE1, JavaPid.of(mesh.process(NODE1).pid()));
                meter.add(NODE2, JavaPid.of(mesh.process(NODE2).pid()));
                settle();
                report.put("rssWithEnrolledPods", Map.of("enrolledPods", 2 * podsPerNode, "rssKiB", meter.rssKiB()));
            }
        }
        report.put("loadavgAfter", loadavg());
        report.put("wallSeconds", (System.nanoTime() - start) / 1e9);
        report.put("targets", LabTargets.evaluate(report));
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(name + ".json").toFile(),
                report);
        List<Path> plots = new ArrayList<>(LabMarkdown.plot(report, out, name));
        Path transfer = out.resolve(name + "-transfer.png");
        if (LabTransferMarkdown.plot((List<Map<String, Object>>) report.get("bulk"),
                (List<Map<String, Object>>) report.get("connects"), transfer)) {
            plots.add(transfer);
        }
        Files.writeString(out.resolve(name + ".md"), LabMarkdown.render(report, name));
        System.out.println(Files.readString(out.resolve(name + ".md")));
        System.out.println("report: " + out.resolve(name + ".md").toAbsolutePath() + " (and " + name + ".json, "
                + String.join(", ", plots.stream().map(p -> p.getFileName().toString()).toList()) + " next to it)");
        return 0;
    }

    private Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("rates", rates);
        c.put("primaryRps", primaryRps);
        c.put("repetitions", repetitions);
        c.put("warmupSeconds", warmupSeconds);
        c.put("durationSeconds", durationSeconds);
        c.put("otherRepetitions", otherRepetitions);
        c.put("otherWarmupSeconds", otherWarmupSeconds);
        c.put("otherDurationSeconds", otherDurationSeconds);
        c.put("connections", connections);
        c.put("headlineConnections", headlineConnections());
        c.put("paths", paths);
        c.put("bulkBytes", (long) bulkMiB << 20);
        c.put("connectRates", connectRates);
        c.put("connectWarmupSeconds", connectWarmupSeconds);
        c.put("connectDurationSeconds", connectDurationSeconds);
        c.put("ramp", ramp);
        c.put("requestBytes", 1024);
        c.put("responseBytes", 1024);
        c.put("protocol", "HTTP/1.1 keep-alive, Poisson arrivals");
        return c;
    }

    private void mainPhase(MeshLab mesh) throws Exception {
        List<LabPath> selected = startPaths(mesh);
        LabMeter meter = meter(mesh);
        settle();
        report.put("rssIdleKiB", meter.rssKiB());
        LabRunner runner = new LabRunner(mesh, meter, headlineConnections());
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int conns : connections) {
            for (int rep = 1; rep <= repetitions; rep++) {
                for (LabPath path : selected) {
                    runs.add(runner.run(path, primaryRps, conns, rep, warmupSeconds, durationSeconds));
                }
            }
        }
        if (profile) {
            Map<String, Long> jvms = new LinkedHashMap<>(meter.pids());
            jvms.remove(HAPROXY);
            jvms.remove(LabHaproxyPair.ENTRY);
            jvms.remove(LabHaproxyPair.EXIT);
            report.put("profiles", LabProfiler.dump(jvms, out.resolve("profiles")));
        }
        for (int rate : rates) {
            if (rate == primaryRps) {
                continue;
            }
            for (int conns : connections) {
                for (int rep = 1; rep <= otherRepetitions; rep++) {
                    for (LabPath path : selected) {
                        runs.add(runner.run(path, rate, conns, rep, otherWarmupSeconds, otherDurationSeconds));
                    }
                }
            }
        }
        report.put("runs", runs);
        transferPhase(runner, selected);
        LabPath waypointPath = selected.stream().filter(p -> p.name().equals(WAYPOINT)).findFirst().orElse(null);
        List<Integer> steps = ramp.stream().filter(r -> r > 0).toList();
        if (waypointPath != null && !steps.isEmpty()) {
            report.put("waypointRamp", runner.ramp(waypointPath, WAYPOINT, steps, 2, 6));
        }
        report.put("rssAfterLoadKiB", meter.rssKiB());
        if (held > 0) {
            heldPhase(mesh, meter);
        }
    }

    /**
     * Starts the targets, the throughput sinks, the waypoint and both HAProxy peers, and waits until every selected
     * path answers.
     */
    private List<LabPath> startPaths(MeshLab mesh) throws IOException, PeerException {
        int port = BenchTopology.APP_PORT;
        int sink = BenchTopology.SINK_PORT;
        String b1 = mesh.lab().pod("b1").ip();
        String b2 = mesh.lab().pod("b2").ip();
        if (paths.contains(HAPROXY_PAIR)) {
            haproxyPair = LabHaproxyPair.start(mesh.lab(), "b2");
        }
        List<LabPath> all = new ArrayList<>(List.of(
                new LabPath("direct", "a2", b2, port, sink, List.of(), "a2 -> b2 (both outside the mesh)"),
                new LabPath("pair", "a1", b1, port, sink, List.of(NODE1, NODE2),
                        "a1 -> node-proxy node1 -> HBONE -> node-proxy node2 -> b1"),
                new LabPath(WAYPOINT, "a1", mesh.serviceVip(BenchTopology.WAYPOINT_SERVICE), 80, 0,
                        List.of(NODE1, WAYPOINT, NODE2),
                        "a1 -> node-proxy node1 -> HBONE -> waypoint -> HBONE -> node-proxy node2 -> b3"),
                new LabPath(HAPROXY, "a2", mesh.lab().pod(BenchTopology.HAPROXY_POD).ip(), BenchTopology.HAPROXY_PORT,
                        0, List.of(HAPROXY), "a2 -> HAProxy (HTTP mode, pod hp) -> b2")));
        if (haproxyPair != null) {
            all.add(new LabPath(HAPROXY_PAIR, "a2", haproxyPair.entryHost(),
                    BenchTopology.HAPROXY_PAIR_ENTRY_PORTS.get(0), BenchTopology.HAPROXY_PAIR_ENTRY_PORTS.get(1),
                    List.of(LabHaproxyPair.ENTRY, LabHaproxyPair.EXIT), "a2 -> HAProxy in node1 -> TLS 1.3 with a "
                    + "client certificate -> HAProxy in node2 (verifies it) -> b2 (the L4 peer, TCP mode)"));
        }
        List<LabPath> selected = all.stream().filter(p -> paths.contains(p.name())).toList();
        Map<String, String> descriptions = new LinkedHashMap<>();
        selected.forEach(p -> descriptions.put(p.name(), p.description()));
        report.put("pathDescriptions", descriptions);
        for (String pod : List.of("b1", "b2", "b3")) {
            mesh.startApp(pod, "target-" + pod, ChildJvm.command(LabTargetMain.class.getName(),
                    List.of(String.valueOf(port), "1024")));
        }
        if (bulkMiB > 0) {
            for (String pod : List.of("b1", "b2")) {
                sinks.add(mesh.startApp(pod, "sink-" + pod, ChildJvm.command(LabSinkMain.class.getName(),
                        List.of(String.valueOf(sink), String.valueOf((long) bulkMiB << 20)))));
            }
        }
        if (paths.contains(WAYPOINT)) {
            mesh.startWaypoint(BenchTopology.WAYPOINT);
        }
        if (paths.contains(HAPROXY)) {
            Path cfg = mesh.lab().runDir().resolve("haproxy-http.cfg");
            Files.writeString(cfg, LabHaproxy.config(BenchTopology.HAPROXY_PORT, b2, port));
            haproxy = mesh.startApp(BenchTopology.HAPROXY_POD, HAPROXY, LabHaproxy.command(cfg.toString()));
        }
        for (LabPath p : selected) {
            String url = "http://" + p.host() + ":" + p.port() + "/";
            Poll.until("path " + p.name() + " answering (" + url + " from " + p.client() + ")", MeshLab.STARTUP,
                    () -> {
                        if (p.name().equals(HAPROXY_PAIR) && !haproxyPair.alive()) {
                            throw new IllegalStateException("the HAProxy pair exited:\n" + haproxyPair.logs());
                        }
                        return mesh.curl(p.client(), url).exitCode() == 0;
                    });
        }
        for (LabProcess s : sinks) {
            Poll.until(s.name() + " listening", MeshLab.STARTUP, () -> {
                if (!s.isAlive()) {
                    throw new IllegalStateException(s.name() + " exited:\n" + s.log());
                }
                return s.log().contains("event=sink_listening");
            });
        }
        if (paths.contains(WAYPOINT)) {
            // the node-proxy sends the Service's traffic to the waypoint once it has the binding: until then it is
            // served directly, and a run would measure the pair instead
            Poll.until("waypoint serving Service " + BenchTopology.WAYPOINT_SERVICE, MeshLab.STARTUP, () -> {
                LabPath w = selected.stream().filter(p -> p.name().equals(WAYPOINT)).findFirst().orElseThrow();
                mesh.curl(w.client(), "http://" + w.host() + ":" + w.port() + "/");
                Prometheus m = mesh.waypointMetrics(BenchTopology.WAYPOINT);
                return Prometheus.sum(m.lines("istio_requests_total")) > 0;
            });
        }
        return selected;
    }

    private LabMeter meter(MeshLab mesh) throws IOException {
        LabMeter meter = new LabMeter();
        meter.add(NODE1, JavaPid.of(mesh.process(NODE1).pid()));
        meter.add(NODE2, JavaPid.of(mesh.process(NODE2).pid()));
        if (paths.contains(WAYPOINT)) {
            meter.add(WAYPOINT, JavaPid.of(mesh.process(MeshLab.waypointProcess(BenchTopology.WAYPOINT)).pid()));
        }
        if (haproxy != null) {
            meter.add(HAPROXY, JavaPid.named(haproxy.pid(), "haproxy"));
        }
        if (haproxyPair != null) {
            meter.add(LabHaproxyPair.ENTRY, haproxyPair.entryPid());
            meter.add(LabHaproxyPair.EXIT, haproxyPair.exitPid());
        }
        return meter;
    }

    /**
     * Single-stream throughput, then new connections per second, over the paths that have them (direct, pair,
     * haproxy-pair), repetitions interleaved path by path like the load runs.
     */
    private void transferPhase(LabRunner runner, List<LabPath> selected) throws Exception {
        if (bulkMiB > 0) {
            // One unrecorded transfer per path first, as the load runs have their warm-up seconds: a JIT-compiled
            // proxy meets bulk traffic here for the first time and would charge its compilations to the first
            // recorded repetition (half a second of transfer).
            for (LabPath path : selected) {
                if (path.sinkPort() > 0) {
                    runner.bulk(path, (long) bulkMiB << 20, 0);
                }
            }
            List<Map<String, Object>> bulk = new ArrayList<>();
            for (int rep = 1; rep <= repetitions; rep++) {
                for (LabPath path : selected) {
                    if (path.sinkPort() > 0) {
                        bulk.add(runner.bulk(path, (long) bulkMiB << 20, rep));
                    }
                }
            }
            report.put("bulk", bulk);
        }
        List<Integer> rates = connectRates.stream().filter(r -> r > 0).toList();
        if (!rates.isEmpty()) {
            // One unrecorded run per path first, as for the transfers: connection set-up and teardown is code the
            // request runs never reached, and a JIT-compiled proxy would charge its compilations (about 40 % of a
            // node-proxy's CPU in the first 30 s of connection churn) to the first recorded repetition.
            for (LabPath path : selected) {
                if (CONNECT_PATHS.contains(path.name())) {
                    runner.connects(path, rates.getFirst(), 0, connectWarmupSeconds, connectDurationSeconds);
                }
            }
            List<Map<String, Object>> connects = new ArrayList<>();
            for (int rate : rates) {
                for (int rep = 1; rep <= repetitions; rep++) {
                    for (LabPath path : selected) {
                        if (CONNECT_PATHS.contains(path.name())) {
                            connects.add(runner.connects(path, rate, rep, connectWarmupSeconds,
                                    connectDurationSeconds));
                        }
                    }
                }
            }
            report.put("connects", connects);
        }
    }

    /** The connection count of the headline tables, the targets and the waypoint's ramp: 16 when run, else the first. */
    private int headlineConnections() {
        return connections.contains(16) ? 16 : connections.getFirst();
    }

    /** Longer than the proxies' native-heap trim interval (10 s). */
    private static final Duration HELD_SETTLE = Duration.ofSeconds(12);

    private void heldPhase(MeshLab mesh, LabMeter meter) throws Exception {
        String b1 = mesh.lab().pod("b1").ip();
        Path opened = mesh.lab().runDir().resolve("held-open");
        Path stop = mesh.lab().runDir().resolve("held-stop");
        Files.deleteIfExists(opened);
        Files.deleteIfExists(stop);
        LabProcess hold = mesh.startApp("a1", "hold", ChildJvm.command(LabLoadMain.class.getName(),
                List.of("hold", b1, String.valueOf(BenchTopology.APP_PORT), String.valueOf(held), opened.toString(),
                        stop.toString())));
        Poll.until("held connections opened", Duration.ofSeconds(180), () -> Files.exists(opened) || !hold.isAlive());
        String[] counts = Files.exists(opened) ? Files.readString(opened).trim().split(" ") : new String[] {"0", "0"};
        // Opening 10,000 connections runs code the load did not (and the JIT compiles it); the proxies return that
        // transient native memory every 10 s (-XX:TrimNativeHeapInterval), so the held state is read after one trim.
        Thread.sleep(HELD_SETTLE.toMillis());
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("requested", held);
        h.put("open", Integer.parseInt(counts[0]));
        h.put("failed", Integer.parseInt(counts[1]));
        h.put("readAfterSeconds", HELD_SETTLE.toSeconds());
        h.put("rssKiB", meter.rssKiB());
        h.put("proxiesAlive", mesh.process(NODE1).isAlive() && mesh.process(NODE2).isAlive());
        if (profile) {
            // what one held connection costs, class by class: compare with the histograms after the load runs
            Map<String, Long> nodes = new LinkedHashMap<>();
            nodes.put(NODE1 + "-held", meter.pids().get(NODE1));
            nodes.put(NODE2 + "-held", meter.pids().get(NODE2));
            h.put("histograms", LabProfiler.histograms(nodes, out.resolve("profiles")));
        }
        report.put("held", h);
        Files.writeString(stop, "stop");
        Poll.until("held connections closed", Duration.ofSeconds(30), () -> !hold.isAlive());
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
