package io.trellis.e2e.loopback;

import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.GatewayYaml;
import io.trellis.e2e.MeshException;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.identity.CaDirectory;
import io.trellis.identity.CertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mesh on the host's loopback, no root needed: the controller in local mode on a YAML directory with a CA on
 * disk, one node-proxy per node in {@code --mode loopback} (reaching the controller over TLS, verified by the CA) (each serving its node's workloads on their own 127.x addresses: HBONE on
 * 15008, a SOCKS5 entry on 15080), waypoints on demand ({@link #startWaypoint}) and apps started by the caller. Every
 * process is a child of this JVM with its log under {@link #runDir()}; {@link #close} stops them all, and
 * {@link #start} first stops what a crashed earlier run in the same directory left behind.
 */
public final class LoopbackMesh implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoopbackMesh.class);

    /** How long a component may take to become ready. */
    public static final Duration STARTUP = Duration.ofSeconds(60);
    /** Port of each workload's SOCKS5 entry, on the workload's own address. */
    public static final int SOCKS5_PORT = 15080;
    private static final String PIDS = "pids";

    /**
     * A waypoint: Gateway {@code namespace/gateway} of class {@code trellis-waypoint}, run as the workload
     * {@code workload} of the topology (its address is the Gateway's address, its service account the identity).
     */
    public record Waypoint(String gateway, String namespace, String workload) {}

    private final LoopbackTopology topology;
    private final Path runDir;
    private final Path configDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Path> tokens = new LinkedHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LoopbackMesh(LoopbackTopology topology, Path runDir) {
        this.topology = topology;
        this.runDir = runDir;
        this.configDir = runDir.resolve("controller");
    }

    /**
     * Brings the controller and the node-proxies up with {@code topology} and {@code extraConfig} (file name to YAML)
     * in the controller's directory, waiting until each node-proxy is ready; on failure stops what it started.
     *
     * @param waypoints waypoints whose bootstrap tokens the controller gets (started later by {@link #startWaypoint})
     */
    public static LoopbackMesh start(LoopbackTopology topology, Path runDir, Map<String, String> extraConfig,
            List<Waypoint> waypoints) {
        LoopbackMesh mesh = new LoopbackMesh(topology, runDir);
        try {
            stopLeftovers(runDir);
            mesh.bringUp(extraConfig, waypoints);
            return mesh;
        } catch (IOException e) {
            String logs = mesh.processLogs();
            mesh.close();
            throw new MeshException.StartFailed("cannot write the mesh's files under " + runDir + ": " + e.getMessage()
                    + logs, e);
        } catch (RuntimeException | Error e) {
            String logs = mesh.processLogs();
            mesh.close();
            throw new MeshException.StartFailed(e.getMessage() + logs, e);
        }
    }

    /**
     * Stops the processes a crashed earlier run in {@code runDir} left: those listed in its pid file whose command
     * line still names {@code runDir} (a recycled pid belongs to someone else and is left alone).
     *
     * @return how many were stopped
     */
    public static int stopLeftovers(Path runDir) throws IOException {
        Path pids = runDir.resolve(PIDS);
        if (!Files.exists(pids)) {
            return 0;
        }
        int stopped = 0;
        for (String line : Files.readAllLines(pids, StandardCharsets.UTF_8)) {
            long pid;
            try {
                pid = Long.parseLong(line.strip().split(" ")[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            var handle = ProcessHandle.of(pid);
            if (handle.isPresent() && handle.get().info().commandLine().orElse("").contains(runDir.toString())) {
                handle.get().destroyForcibly();
                handle.get().onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
                stopped++;
            }
        }
        Files.delete(pids);
        return stopped;
    }

    private void bringUp(Map<String, String> extraConfig, List<Waypoint> waypoints) throws IOException {
        Files.createDirectories(configDir);
        Files.createDirectories(runDir.resolve("logs"));
        try (var old = Files.list(configDir)) {
            for (Path f : old.filter(Files::isRegularFile).toList()) {
                Files.delete(f); // an earlier run's Gateway would bind services to a waypoint not running yet
            }
        }
        writeConfig("topology.yaml", topology.manifests());
        for (Map.Entry<String, String> e : extraConfig.entrySet()) {
            writeConfig(e.getKey(), e.getValue());
        }
        StringBuilder lines = new StringBuilder();
        SecureRandom random = new SecureRandom();
        for (String node : topology.nodes()) {
            lines.append("node ").append(node).append(' ').append(token(random, "token-" + node, node)).append('\n');
        }
        for (Waypoint w : waypoints) {
            lines.append("waypoint ").append(w.namespace()).append('/').append(w.gateway()).append(' ')
                    .append(token(random, "token-waypoint-" + w.gateway(), w.gateway())).append('\n');
        }
        Path tokenFile = runDir.resolve("tokens");
        Files.writeString(tokenFile, lines.toString(), StandardCharsets.UTF_8);
        // a CA on disk, as a cluster has (Secret trellis-ca): node-proxies verify the controller's TLS port by it
        Path caDir = runDir.resolve("ca");
        if (Files.isDirectory(caDir)) {
            try (var old = Files.list(caDir)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
        CaDirectory.write(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC()),
                caDir);

        String c = topology.controllerIp();
        startJvm("controller", "io.trellis.controller.ControllerMain", List.of(
                "--config-dir", configDir.toString(), "--bootstrap-tokens", tokenFile.toString(),
                "--ca-dir", caDir.toString(),
                "--listen-address", c, "--debounce-quiet", "PT0.05S", "--debounce-max", "PT0.2S",
                "--rescan-interval", "PT1S"));
        awaitOk("controller readiness", "http://" + c + ":15014/healthz/ready");
        for (String node : topology.nodes()) {
            String ip = topology.nodeIp(node);
            startJvm("node-proxy-" + node, "io.trellis.node.NodeProxyMain", List.of(
                    "--mode", "loopback", "--node-name", node, "--controller", c + ":15012",
                    "--controller-root-cert", caDir.resolve(CaDirectory.ROOT_CERT).toString(),
                    "--bootstrap-token-file", tokens.get(node).toString(), "--monitoring-address", ip,
                    "--trust-domain", "cluster.local", "--io-threads", "2", "--drain-timeout", "PT1S"));
        }
        for (String node : topology.nodes()) {
            awaitOk("node-proxy " + node + " readiness", "http://" + topology.nodeIp(node) + ":15021/healthz/ready");
        }
        for (LoopbackTopology.Workload w : topology.workloads()) {
            if (!"none".equals(w.labels().get("trellis.io/dataplane-mode"))) {
                Poll.until("node-proxy " + w.node() + " serving " + w.name() + " on " + w.ip() + ":15008", STARTUP,
                        () -> accepts(w.ip(), 15008) && accepts(w.ip(), SOCKS5_PORT));
            }
        }
    }

    private String token(SecureRandom random, String file, String key) throws IOException {
        byte[] secret = new byte[16];
        random.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Path path = runDir.resolve(file);
        Files.writeString(path, token + "\n", StandardCharsets.UTF_8);
        tokens.put(key, path);
        return token;
    }

    /**
     * Deploys waypoint {@code w}: its Gateway (address = its workload's IP) into the controller's directory, then
     * {@code WaypointMain} on that address, and waits for its first complete config. Until then a Service labelled
     * {@code trellis.io/use-waypoint} with its name is served directly.
     */
    public void startWaypoint(Waypoint w) {
        Path token = tokens.get(w.gateway());
        if (token == null) {
            throw new IllegalArgumentException("waypoint " + w + " was not given to start(): it has no token");
        }
        LoopbackTopology.Workload pod = topology.workload(w.workload());
        writeConfig("waypoint-" + w.namespace() + "-" + w.gateway() + ".yaml", GatewayYaml.waypoint(
                "LoopbackMesh: the waypoint runs on " + pod.ip() + ", so that is the Gateway's address.",
                w.gateway(), w.namespace(), pod.ip()));
        String ip = pod.ip();
        startJvm(waypointProcess(w), "io.trellis.waypoint.WaypointMain", List.of(
                // TLS like the node-proxies: the controller verified by its SPIFFE id against the run's root
                "--controller", topology.controllerIp() + ":15012",
                "--controller-root-cert", runDir.resolve("ca").resolve(CaDirectory.ROOT_CERT).toString(),
                "--bootstrap-token-file", token.toString(),
                "--name", w.gateway(), "--namespace", w.namespace(), "--service-account", pod.serviceAccount(),
                "--trust-domain", "cluster.local", "--listen", ip + ":15008", "--stats", ip + ":15020",
                "--readiness", ip + ":15021", "--admin", ip + ":15000", "--drain", "1s"));
        awaitOk("waypoint " + w.gateway() + " readiness (first complete config from the controller)",
                "http://" + ip + ":15021/healthz/ready");
    }

    /** The name of the process running waypoint {@code w}. */
    public static String waypointProcess(Waypoint w) {
        return "waypoint-" + w.gateway();
    }

    /** Starts an app (not a mesh component) with its output in {@code logs/<name>.log}. */
    public Process startApp(String name, List<String> command) {
        return startProcess(name, command);
    }

    private void startJvm(String name, String main, List<String> args) {
        startProcess(name, ChildJvm.command(main, args));
    }

    private synchronized Process startProcess(String name, List<String> command) {
        if (closed.get()) {
            throw new MeshException.StartFailed("the loopback mesh is closed");
        }
        Path logFile = runDir.resolve("logs").resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
            processes.put(name, p);
            Files.writeString(runDir.resolve(PIDS), p.pid() + " " + name + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            log.info("event=loopback_process_started name={} pid={}", name, p.pid());
            return p;
        } catch (IOException e) {
            throw new MeshException.StartFailed("cannot start " + name + " (" + command.getFirst() + "): "
                    + e.getMessage(), e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    /** Waits until {@code url} answers 2xx; fails early when a mesh process exited. */
    public void awaitOk(String what, String url) {
        Poll.until(what + " (" + url + ")", STARTUP, () -> {
            synchronized (this) {
                for (Map.Entry<String, Process> p : processes.entrySet()) {
                    if (!p.getValue().isAlive() && !p.getKey().startsWith("app-")) {
                        throw new MeshException.StartFailed(p.getKey() + " exited (status " + p.getValue().exitValue()
                                + ") while waiting for " + what);
                    }
                }
            }
            return get(url) != null;
        });
    }

    /** GET {@code url}: the body on 2xx, else null. */
    public String get(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() / 100 == 2 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean accepts(String ip, int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(ip, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A node-proxy's {@code /stats/prometheus}. */
    public Prometheus metrics(String node) {
        String body = get("http://" + topology.nodeIp(node) + ":15020/stats/prometheus");
        return new Prometheus(body == null ? "" : body);
    }

    /** A node-proxy's admin {@code /config_dump}; empty when it does not answer. */
    public String configDump(String node) {
        String body = get("http://" + topology.nodeIp(node) + ":15000/config_dump");
        return body == null ? "" : body;
    }

    /** A waypoint's {@code /stats/prometheus}. */
    public Prometheus waypointMetrics(Waypoint w) {
        String body = get("http://" + topology.workload(w.workload()).ip() + ":15020/stats/prometheus");
        return new Prometheus(body == null ? "" : body);
    }

    /** Everything a process wrote so far. */
    public String log(String name) {
        try {
            return Files.readString(runDir.resolve("logs").resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last 4,000 characters of each mesh process's log, for failure messages. */
    public synchronized String processLogs() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Process> p : processes.entrySet()) {
            String text = log(p.getKey());
            b.append("\n--- ").append(p.getKey()).append(p.getValue().isAlive() ? "" : " (exited)").append(" ---\n")
                    .append(text.length() > 4000 ? text.substring(text.length() - 4000) : text);
        }
        return b.toString();
    }

    /** Writes a YAML file into the controller's directory (picked up on its next rescan). */
    public void writeConfig(String file, String yaml) {
        try {
            Files.writeString(configDir.resolve(file), yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configDir.resolve(file), e);
        }
    }

    public LoopbackTopology topology() {
        return topology;
    }

    public Path runDir() {
        return runDir;
    }

    /** Stops every process (SIGTERM, then SIGKILL after 5 s), newest first; idempotent, safe from a shutdown hook. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Process> all;
        synchronized (this) {
            all = new ArrayList<>(processes.values());
        }
        java.util.Collections.reverse(all);
        all.forEach(Process::destroy);
        for (Process p : all) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(runDir.resolve(PIDS));
        } catch (IOException e) {
            log.warn("event=loopback_pids_not_removed dir={} error=\"{}\"", runDir, e.getMessage());
        }
        log.info("event=loopback_mesh_down dir={}", runDir);
    }
}
