package io.trellis.e2e;

import io.trellis.install.agent.CaptureRules;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.install.lab.Lab;
import io.trellis.install.lab.LabManager;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabPod;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabService;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.RootCheck;
import io.trellis.node.inpod.EnrollmentClient;
import io.trellis.node.inpod.InPodException;
import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.NodeEnrollment;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mesh in the lab: the lab's namespaces from a {@link LabSpec}, the controller (a child JVM
 * in one node's namespace, reading the lab's manifests plus any YAML the caller adds), one node-proxy
 * per node (a child JVM in its node's namespace), every pod not left out enrolled through the real
 * enrollment socket with its capture rules installed. {@link #close} tears the lab down whatever state
 * it is in, and only once; {@link #start} tears down what it started when it fails half way.
 */
public final class MeshLab implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MeshLab.class);

    /** How long a component may take to become ready. */
    public static final Duration STARTUP = Duration.ofSeconds(60);
    /** Tools the lab and the mesh need on the PATH. */
    public static final List<String> REQUIRED_TOOLS = List.of("ip", "iptables", "curl", "python3", "nsenter");

    /**
     * What to bring up.
     *
     * @param spec the lab topology
     * @param controllerNode the node whose namespace runs the controller
     * @param notEnrolled pods left outside the mesh (no enrollment, no capture)
     * @param extraConfig YAML files (name to content) for the controller's directory, next to the lab's manifests
     * @param waypoints waypoints whose bootstrap tokens the controller gets; each is started by {@link #startWaypoint}
     */
    public record Options(LabSpec spec, String controllerNode, Set<String> notEnrolled, Map<String, String> extraConfig,
            List<Waypoint> waypoints) {
        public Options {
            notEnrolled = Set.copyOf(notEnrolled);
            extraConfig = Map.copyOf(extraConfig);
            waypoints = List.copyOf(waypoints);
        }

        /** Without waypoints. */
        public Options(LabSpec spec, String controllerNode, Set<String> notEnrolled, Map<String, String> extraConfig) {
            this(spec, controllerNode, notEnrolled, extraConfig, List.of());
        }
    }

    /**
     * A waypoint: Gateway {@code namespace/gateway} of class {@code trellis-waypoint} whose address is the IP of lab
     * pod {@code pod}, where {@code WaypointMain} runs in controller mode (HBONE on 15008, stats on 15020, readiness
     * on 15021, all in the pod's namespace). The pod must be in {@code notEnrolled}: a waypoint is not captured, and
     * its identity is the pod's service account (the controller reads it from the Gateway's pods, labelled
     * {@code gateway.networking.k8s.io/gateway-name}).
     */
    public record Waypoint(String gateway, String namespace, String pod) {}

    private final Lab lab;
    private final Options options;
    private final Path configDir;
    private final Map<String, Path> enrollSockets = new TreeMap<>();
    private final List<LabProcess> processes = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<Waypoint, Path> waypointTokens = new java.util.LinkedHashMap<>();
    // The persistent node agents (startNodeAgent) and the node-proxy each node runs now (restart/upgrade): guarded by this.
    private final Map<String, NodeEnrollment> nodeAgents = new TreeMap<>();
    private final Map<String, LabProcess> nodeProxies = new TreeMap<>();
    private final Map<String, Integer> nodeProxyPortOffsets = new TreeMap<>();
    private int nodeProxyStarts;
    private @org.jspecify.annotations.Nullable LinuxNetnsOps agentNetns;

    private MeshLab(Lab lab, Options options) {
        this.lab = lab;
        this.options = options;
        this.configDir = lab.runDir().resolve("controller");
    }

    /** Empty when this process may run the lab; otherwise why not (not root, a tool missing). */
    public static List<String> missingPrerequisites() {
        List<String> missing = new ArrayList<>();
        if (!RootCheck.isRoot()) {
            missing.add("root (network namespaces, iptables)");
        }
        for (String tool : REQUIRED_TOOLS) {
            if (!onPath(tool)) {
                missing.add(tool + " on the PATH");
            }
        }
        return missing;
    }

    /** Whether {@code tool} is an executable on the PATH. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Brings the lab and the mesh up; on failure everything started is torn down before the exception propagates. */
    public static MeshLab start(Options options) {
        Lab lab = LabManager.system().up(options.spec());
        MeshLab mesh = new MeshLab(lab, options);
        try {
            mesh.bringUp();
            return mesh;
        } catch (RuntimeException | Error e) {
            String logs = mesh.processLogs();
            mesh.close();
            if (e instanceof MeshException) {
                throw new MeshException.StartFailed(e.getMessage() + logs, e);
            }
            throw e;
        } catch (IOException e) {
            String logs = mesh.processLogs();
            mesh.close();
            throw new MeshException.StartFailed("cannot write the mesh's files under " + lab.runDir() + ": "
                    + e.getMessage() + logs, e);
        }
    }

    private void bringUp() throws IOException {
        Files.createDirectories(configDir);
        // the lab's run directory outlives a teardown: a file left by an earlier run (a waypoint's Gateway) would
        // otherwise bind services to a waypoint that is not running
        try (var old = Files.list(configDir)) {
            for (Path f : old.filter(Files::isRegularFile).toList()) {
                Files.delete(f);
            }
        }
        lab.writeManifests(configDir.resolve("lab.yaml"));
        for (Map.Entry<String, String> e : options.extraConfig().entrySet()) {
            writeConfig(e.getKey(), e.getValue());
        }
        Path tokens = lab.runDir().resolve("tokens");
        StringBuilder lines = new StringBuilder();
        Map<String, Path> tokenFiles = new TreeMap<>();
        SecureRandom random = new SecureRandom();
        for (LabNode node : lab.nodes()) {
            byte[] secret = new byte[16];
            random.nextBytes(secret);
            String token = HexFormat.of().formatHex(secret);
            lines.append("node ").append(node.name()).append(' ').append(token).append('\n');
            Path file = lab.runDir().resolve("token-" + node.name());
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            tokenFiles.put(node.name(), file);
        }
        for (Waypoint w : options.waypoints()) {
            if (!options.notEnrolled().contains(w.pod())) {
                throw new MeshException.StartFailed("waypoint pod " + w.pod() + " must be left out of the mesh "
                        + "(notEnrolled): a waypoint's own traffic is not captured");
            }
            byte[] secret = new byte[16];
            random.nextBytes(secret);
            String token = HexFormat.of().formatHex(secret);
            lines.append("waypoint ").append(w.namespace()).append('/').append(w.gateway()).append(' ').append(token)
                    .append('\n');
            Path file = lab.runDir().resolve("token-waypoint-" + w.gateway());
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            waypointTokens.put(w, file);
        }
        Files.writeString(tokens, lines.toString(), StandardCharsets.UTF_8);
        startController(tokens);
        for (LabNode node : lab.nodes()) {
            startNodeProxy(node, tokenFiles.get(node.name()));
        }
        for (LabNode node : lab.nodes()) {
            awaitHttpOk(node, "node-proxy readiness", "http://127.0.0.1:15021/healthz/ready");
        }
        enrollAll();
    }

    private String gatewayYaml(Waypoint w) {
        return GatewayYaml.waypoint("MeshLab: the waypoint runs in lab pod " + w.pod()
                + ", so that pod's IP is the Gateway's address.", w.gateway(), w.namespace(), lab.pod(w.pod()).ip());
    }

    /**
     * Deploys waypoint {@code w} (one of {@link Options#waypoints}): writes its Gateway (address: the pod's IP) into the
     * controller's directory, starts {@code WaypointMain} in the pod and waits until it has its first complete config.
     * Until then a Service labelled {@code trellis.io/use-waypoint} with its name is served directly (the controller
     * resolves no waypoint); afterwards node-proxies send that Service's traffic to the waypoint.
     */
    public void startWaypoint(Waypoint w) {
        Path tokenFile = waypointTokens.get(w);
        if (tokenFile == null) {
            throw new IllegalArgumentException("waypoint " + w + " is not in this mesh's options: its token was not "
                    + "provisioned");
        }
        writeConfig("waypoint-" + w.namespace() + "-" + w.gateway() + ".yaml", gatewayYaml(w));
        LabPod pod = lab.pod(w.pod());
        LabProcess p = lab.start(waypointProcess(w), pod.netns(), ChildJvm.command("io.trellis.waypoint.WaypointMain",
                List.of("--controller", controllerNode().ip() + ":15010", "--bootstrap-token-file", tokenFile.toString(),
                        "--name", w.gateway(), "--namespace", w.namespace(), "--service-account", pod.serviceAccount(),
                        "--trust-domain", "cluster.local", "--drain", "1s")));
        synchronized (processes) {
            processes.add(p);
        }
        awaitHttpOk(pod.node(), "waypoint " + w.gateway() + " readiness (first complete config from the controller)",
                "http://" + pod.ip() + ":15021/healthz/ready");
    }

    /**
     * Deploys waypoint {@code w} with several replicas: {@code WaypointMain} in {@code w.pod()} and in each of
     * {@code morePods} (left out of the mesh, labelled with the Gateway's name, the same service account), and one
     * Gateway listing every replica's pod IP, {@code w.pod()} first, so node-proxies spread connections over them and
     * fail over between them. Waits until every replica has its first complete config. The replica in {@code w.pod()}
     * is process {@link #waypointProcess}, the others {@link #waypointReplicaProcess}.
     */
    public void startWaypointReplicas(Waypoint w, List<String> morePods) {
        Path tokenFile = waypointTokens.get(w);
        if (tokenFile == null) {
            throw new IllegalArgumentException("waypoint " + w + " is not in this mesh's options: its token was not "
                    + "provisioned");
        }
        List<String> pods = new ArrayList<>(List.of(w.pod()));
        pods.addAll(morePods);
        List<String> addresses = new ArrayList<>();
        for (String name : pods) {
            if (!options.notEnrolled().contains(name)) {
                throw new IllegalArgumentException("waypoint replica pod " + name + " must be left out of the mesh");
            }
            addresses.add(lab.pod(name).ip());
        }
        writeConfig("waypoint-" + w.namespace() + "-" + w.gateway() + ".yaml", GatewayYaml.waypoint(
                "MeshLab: one replica of the waypoint per lab pod (" + String.join(", ", pods)
                        + "), each reached at its pod IP.", w.gateway(), w.namespace(), addresses));
        for (String name : pods) {
            LabPod pod = lab.pod(name);
            String process = name.equals(w.pod()) ? waypointProcess(w) : waypointReplicaProcess(w, name);
            LabProcess p = lab.start(process, pod.netns(), ChildJvm.command("io.trellis.waypoint.WaypointMain",
                    List.of("--controller", controllerNode().ip() + ":15010", "--bootstrap-token-file",
                            tokenFile.toString(), "--name", w.gateway(), "--namespace", w.namespace(),
                            "--service-account", pod.serviceAccount(), "--trust-domain", "cluster.local",
                            "--drain", "1s")));
            synchronized (processes) {
                processes.add(p);
            }
        }
        for (String name : pods) {
            LabPod pod = lab.pod(name);
            awaitHttpOk(pod.node(), "waypoint " + w.gateway() + " replica in " + name + " readiness",
                    "http://" + pod.ip() + ":15021/healthz/ready");
        }
    }

    /** The name of the process running the replica of waypoint {@code w} in {@code pod} (not its first pod). */
    public static String waypointReplicaProcess(Waypoint w, String pod) {
        return "waypoint-" + w.gateway() + "-" + pod;
    }

    /** The name of the mesh process running waypoint {@code w} (see {@link #process}). */
    public static String waypointProcess(Waypoint w) {
        return "waypoint-" + w.gateway();
    }

    /** A waypoint's {@code /stats/prometheus}, read from its pod's node. */
    public Prometheus waypointMetrics(Waypoint w) {
        LabPod pod = lab.pod(w.pod());
        return new Prometheus(nodeGet(pod.nodeName(), "http://" + pod.ip() + ":15020/stats/prometheus"));
    }

    private void startController(Path tokens) {
        LabNode node = controllerNode();
        startJvm("controller", node, "io.trellis.controller.ControllerMain", List.of(
                "--config-dir", configDir.toString(), "--bootstrap-tokens", tokens.toString(),
                "--listen-address", "0.0.0.0", "--debounce-quiet", "PT0.05S", "--debounce-max", "PT0.2S",
                "--rescan-interval", "PT1S"));
        awaitHttpOk(node, "controller readiness", "http://127.0.0.1:15014/healthz/ready");
    }

    /**
     * Starts the controller again after it was stopped (same config directory, same bootstrap tokens) and waits until
     * it is ready; the stopped process is forgotten, so {@link #process process("controller")} is the new one. The
     * node-proxies reconnect on their own backoff.
     */
    public LabProcess restartController() {
        LabProcess old = process("controller");
        if (old.isAlive()) {
            throw new IllegalStateException("the controller is still running (pid " + old.pid() + "): stop it first");
        }
        synchronized (processes) {
            processes.remove(old);
        }
        startController(lab.runDir().resolve("tokens"));
        return process("controller");
    }

    private void startNodeProxy(LabNode node, Path tokenFile) {
        Path socket = lab.runDir().resolve("enroll-" + node.name() + ".sock");
        enrollSockets.put(node.name(), socket);
        startJvm("node-proxy-" + node.name(), node, "io.trellis.node.NodeProxyMain", List.of(
                "--node-name", node.name(), "--controller", controllerNode().ip() + ":15010",
                "--bootstrap-token-file", tokenFile.toString(), "--enroll-socket", socket.toString(),
                "--trust-domain", "cluster.local", "--io-threads", "2", "--drain-timeout", "PT1S"));
    }

    /** Enrolls every pod not left out through its node's enrollment socket, then installs its capture rules. */
    private void enrollAll() {
        for (LabNode node : lab.nodes()) {
            Path socket = enrollSockets.get(node.name());
            Poll.until("enrollment socket " + socket, STARTUP, () -> Files.exists(socket));
            try (EnrollmentClient agent = EnrollmentClient.connect(socket, new LinuxSeqpacketSockets(),
                    Duration.ofSeconds(30))) {
                for (LabPod pod : node.pods()) {
                    if (options.notEnrolled().contains(pod.name())) {
                        continue;
                    }
                    agent.addPod(new PodInfo(pod.uid(), pod.name(), pod.namespace(), pod.serviceAccount()),
                            Path.of(pod.netns().file()));
                    new CaptureRules(new ProcessCommandRunner(), pod.captureConfig()).install(pod.netns());
                    log.info("event=pod_enrolled lab={} pod={} node={}", lab.prefix(), pod.name(), node.name());
                }
                agent.snapshotComplete();
            } catch (Exception e) {
                throw new MeshException.StartFailed("enrolling the pods of " + node.name() + " through " + socket
                        + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The lab's node agent for {@code node}, started on first use: a {@link NodeEnrollment} in this JVM holding every
     * enrolled pod of the node, connected to the node's enrollment socket, that replays them into whichever
     * node-proxy binds the socket later (a restart after a crash, an upgrade). Capture rules stay as installed.
     */
    public synchronized NodeEnrollment startNodeAgent(String node) {
        NodeEnrollment agent = nodeAgents.get(node);
        if (agent != null) {
            return agent;
        }
        if (agentNetns == null) {
            try {
                agentNetns = new LinuxNetnsOps();
            } catch (NativeCallException e) {
                throw new MeshException.StartFailed("the lab's node agent cannot open namespaces: " + e.getMessage(), e);
            }
        }
        agent = NodeEnrollment.start(enrollSockets.get(node), new LinuxSeqpacketSockets(), agentNetns,
                Duration.ofSeconds(30), Duration.ofMillis(100));
        nodeAgents.put(node, agent);
        List<NodeEnrollment.Pod> pods = new ArrayList<>();
        for (LabPod pod : lab.node(node).pods()) {
            if (!options.notEnrolled().contains(pod.name())) {
                pods.add(new NodeEnrollment.Pod(new PodInfo(pod.uid(), pod.name(), pod.namespace(),
                        pod.serviceAccount()), Path.of(pod.netns().file())));
            }
        }
        try {
            agent.replaceAll(pods);
        } catch (InPodException e) {
            throw new MeshException.StartFailed("the node agent of " + node + " cannot reach its node-proxy: "
                    + e.getMessage(), e);
        }
        return agent;
    }

    /** The node-proxy {@code node} runs now: the one {@link #start} began, or the newest from a restart or upgrade. */
    public synchronized LabProcess nodeProxy(String node) {
        LabProcess p = nodeProxies.get(node);
        return p != null ? p : process("node-proxy-" + node);
    }

    /** The current node-proxy's metrics of {@code node} (its ports move by 100 while an upgrade runs both). */
    public synchronized Prometheus nodeProxyMetrics(String node) {
        int port = 15020 + nodeProxyPortOffsets.getOrDefault(node, 0);
        return new Prometheus(nodeGet(node, "http://127.0.0.1:" + port + "/stats/prometheus"));
    }

    /** {@code kill -9} of {@code node}'s node-proxy; returns once it is gone (the lab forgets it). */
    public synchronized void killNodeProxy(String node) {
        LabProcess p = nodeProxy(node);
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly); // in case a wrapper sits in between
            h.destroyForcibly();
        });
        Poll.until(p + " to die of SIGKILL", STARTUP, () -> !p.isAlive());
        nodeProxies.put(node, p); // still "the node's node-proxy" (a dead one) until restartNodeProxy
        forgetProcess(p);
    }

    /**
     * Starts a new node-proxy on {@code node} after the old one died ({@link #killNodeProxy}) and returns once the
     * node agent ({@link #startNodeAgent}) has replayed every pod into it: its listeners are up in every pod.
     */
    public synchronized LabProcess restartNodeProxy(String node) {
        NodeEnrollment agent = startNodeAgent(node);
        LabProcess old = nodeProxy(node);
        if (old.isAlive()) {
            throw new IllegalStateException(old + " is still running: kill it first, or use upgradeNodeProxy");
        }
        long replays = agent.replays();
        LabProcess next = startNextNodeProxy(node, 0);
        awaitReplay(node, agent, replays, next);
        return next;
    }

    /**
     * A graceful upgrade of {@code node}'s node-proxy: a new process starts beside the running one (admin, metrics
     * and readiness ports moved by 100, as two processes cannot share them), binds the enrollment socket once it has
     * its config, the node agent replays every pod into it (its listeners join the old ones' SO_REUSEPORT groups),
     * then the old one gets SIGTERM: it closes its listeners (queued connections move to the new listener), drains
     * its open connections and exits. Returns the new process once the old one is gone.
     */
    public synchronized NodeProxyUpgrade upgradeNodeProxy(String node) {
        NodeEnrollment agent = startNodeAgent(node);
        LabProcess old = nodeProxy(node);
        long replays = agent.replays();
        LabProcess next = startNextNodeProxy(node, nodeProxyPortOffsets.getOrDefault(node, 0) == 0 ? 100 : 0);
        awaitReplay(node, agent, replays, next);
        long replayed = System.currentTimeMillis();
        old.stop(Duration.ofSeconds(60)); // SIGTERM; its drain timeout bounds how long it takes
        long exited = System.currentTimeMillis();
        forgetProcess(old);
        java.util.regex.Matcher drain = java.util.regex.Pattern
                .compile("event=drain_started active_connections=(\\d+)").matcher(old.log());
        return new NodeProxyUpgrade(next, replayed, exited, drain.find() ? Integer.parseInt(drain.group(1)) : -1);
    }

    /**
     * What {@link #upgradeNodeProxy} did.
     *
     * @param next the new node-proxy
     * @param sigtermMillis when every pod was in the new process and the old one got SIGTERM (epoch ms)
     * @param oldExitedMillis when the old one had drained and exited (epoch ms)
     * @param oldActiveAtSigterm connections the old one was relaying when its listeners closed (from its log; -1 when
     *        it logged none)
     */
    public record NodeProxyUpgrade(LabProcess next, long sigtermMillis, long oldExitedMillis, int oldActiveAtSigterm) {}

    private LabProcess startNextNodeProxy(String node, int portOffset) {
        nodeProxyStarts++;
        LabNode n = lab.node(node);
        LabProcess p = startJvm("node-proxy-" + node + "-" + (nodeProxyStarts + 1), n, "io.trellis.node.NodeProxyMain",
                List.of("--node-name", node, "--controller", controllerNode().ip() + ":15010",
                        "--bootstrap-token-file", lab.runDir().resolve("token-" + node).toString(),
                        "--enroll-socket", enrollSockets.get(node).toString(), "--trust-domain", "cluster.local",
                        "--io-threads", "2", "--drain-timeout", "PT30S",
                        "--admin-port", String.valueOf(15000 + portOffset),
                        "--metrics-port", String.valueOf(15020 + portOffset),
                        "--readiness-port", String.valueOf(15021 + portOffset)));
        nodeProxies.put(node, p);
        nodeProxyPortOffsets.put(node, portOffset);
        return p;
    }

    private void awaitReplay(String node, NodeEnrollment agent, long replays, LabProcess next) {
        Poll.until("the node agent of " + node + " replayed its pods into " + next, STARTUP, () -> {
            if (!next.isAlive()) {
                throw new MeshException.StartFailed(next + " exited:\n" + next.log());
            }
            return agent.replays() > replays;
        });
    }

    private void forgetProcess(LabProcess p) {
        p.stop(Duration.ZERO); // already gone: only forgets it in the lab's state file
        synchronized (processes) {
            processes.remove(p);
        }
    }

    /** Starts a Trellis main class as a child JVM inside {@code node}'s namespace (see {@link ChildJvm}). */
    public LabProcess startJvm(String name, LabNode node, String main, List<String> args) {
        LabProcess p = lab.start(name, node.netns(), ChildJvm.command(main, args));
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** Starts an application process inside {@code pod} (not a mesh component: its exit is not a failure). */
    public LabProcess startApp(String pod, String name, List<String> command) {
        return lab.pod(pod).start(name, command);
    }

    /** Waits until {@code url} answers 2xx from inside {@code node}; fails early when a mesh process died. */
    public void awaitHttpOk(LabNode node, String what, String url) {
        Poll.until(what + " (" + url + " in " + node.name() + ")", STARTUP, () -> {
            synchronized (processes) {
                for (LabProcess p : processes) {
                    if (!p.isAlive()) {
                        throw new MeshException.StartFailed(p.name() + " exited while waiting for " + what);
                    }
                }
            }
            return node.exec("curl", "-sf", "--max-time", "2", url).ok();
        });
    }

    /** One GET from inside {@code pod}: stdout is the body followed by a line with curl's time_total. */
    public CommandResult curl(String pod, String url) {
        return lab.pod(pod).exec("curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{time_total}", url);
    }

    /** A node-proxy's (or any process's) HTTP endpoint read from inside {@code node}; empty on failure. */
    public String nodeGet(String node, String url) {
        CommandResult r = lab.node(node).exec("curl", "-sf", "--max-time", "3", url);
        return r.ok() ? r.stdout() : "";
    }

    /** The node-proxy's {@code /stats/prometheus} on {@code node}. */
    public Prometheus metrics(String node) {
        return new Prometheus(nodeGet(node, "http://127.0.0.1:15020/stats/prometheus"));
    }

    /** The node-proxy's admin {@code /config_dump} (JSON) on {@code node}. */
    public String configDump(String node) {
        return nodeGet(node, "http://127.0.0.1:15000/config_dump");
    }

    /** The cluster IP of a lab Service. */
    public String serviceVip(String name) {
        for (LabService s : lab.services()) {
            if (s.name().equals(name)) {
                return s.clusterIp();
            }
        }
        throw new IllegalArgumentException("no service " + name + " in lab " + lab.prefix());
    }

    /** Starts a tshark capture of every TCP segment on the lab's underlay bridge. */
    public UnderlayCapture captureUnderlay(String name) {
        return UnderlayCapture.start(lab, name);
    }

    /** Writes a YAML file into the controller's directory (picked up on its next rescan). */
    public void writeConfig(String file, String yaml) {
        try {
            Files.writeString(configDir.resolve(file), yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configDir.resolve(file), e);
        }
    }

    /** Removes a YAML file written by {@link #writeConfig}. */
    public void deleteConfig(String file) {
        try {
            Files.deleteIfExists(configDir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + configDir.resolve(file), e);
        }
    }

    /**
     * A mesh process this lab started: {@code controller}, {@code node-proxy-<node>}, {@code waypoint-<gateway>} or one
     * from {@link #startJvm}.
     */
    public LabProcess process(String name) {
        synchronized (processes) {
            return processes.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no mesh process " + name + " in lab " + lab.prefix()));
        }
    }

    /** The last 4,000 characters of each mesh process's log, for failure messages. */
    public String processLogs() {
        StringBuilder b = new StringBuilder();
        synchronized (processes) {
            for (LabProcess p : processes) {
                String text = p.log();
                b.append("\n--- ").append(p.name()).append(p.isAlive() ? "" : " (exited)").append(" ---\n")
                        .append(text.length() > 4000 ? text.substring(text.length() - 4000) : text);
            }
        }
        return b.toString();
    }

    public Lab lab() {
        return lab;
    }

    public Path configDir() {
        return configDir;
    }

    private LabNode controllerNode() {
        return lab.node(options.controllerNode());
    }

    /** Tears the lab down (processes, namespaces, state); idempotent, safe from a shutdown hook. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            synchronized (this) {
                nodeAgents.values().forEach(NodeEnrollment::close);
                if (agentNetns != null) {
                    agentNetns.close();
                }
            }
            lab.close();
            log.info("event=mesh_down lab={}", lab.prefix());
        }
    }
}
