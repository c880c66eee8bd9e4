package io.trellis.node.e2e;

import io.trellis.install.agent.CaptureRules;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.install.lab.Lab;
import io.trellis.install.lab.LabManager;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabPod;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.RootCheck;
import io.trellis.node.NodeProxyMain;
import io.trellis.node.inpod.EnrollmentClient;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;

/**
 * A running mesh in the lab: 2 nodes x 2 pods, the controller (a child JVM inside node1's
 * namespace, reading the lab's YAML), one node-proxy per node (a child JVM inside its node's
 * namespace), every pod enrolled through the real enrollment socket with its capture rules
 * installed. {@link #close} tears the lab down, whatever state it is in.
 */
final class MeshLab implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(60);
    static final String CONTROLLER_NODE = "node1";

    final Lab lab;
    final Path configDir;
    private final Map<String, Path> enrollSockets = new TreeMap<>();
    private final List<LabProcess> processes = new ArrayList<>();

    /** Skips (not fails) the calling test unless this is root on a machine with the lab's tools. */
    static void assumeLabAvailable() {
        Assumptions.assumeTrue(RootCheck.isRoot(), "the lab needs root (network namespaces, iptables)");
        for (String tool : List.of("ip", "iptables", "curl", "python3", "nsenter")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed");
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Every pod enrolled and captured. */
    MeshLab() throws Exception {
        this(Set.of());
    }

    /** Pods named in {@code leftOut} are neither enrolled nor captured (plain pods, e.g. a baseline client). */
    MeshLab(Set<String> leftOut) throws Exception {
        String prefix = "trnp-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3)).toLowerCase(Locale.ROOT);
        lab = LabManager.system().up(LabSpec.standard(prefix, 2, 2));
        try {
            configDir = lab.runDir().resolve("controller");
            lab.writeManifests(configDir.resolve("lab.yaml"));
            Path tokens = lab.runDir().resolve("tokens");
            StringBuilder lines = new StringBuilder();
            Map<String, Path> tokenFiles = new TreeMap<>();
            for (LabNode node : lab.nodes()) {
                String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
                lines.append("node ").append(node.name()).append(' ').append(token).append('\n');
                Path file = lab.runDir().resolve("token-" + node.name());
                Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
                tokenFiles.put(node.name(), file);
            }
            Files.writeString(tokens, lines.toString(), StandardCharsets.UTF_8);
            startController(tokens);
            for (LabNode node : lab.nodes()) {
                startNodeProxy(node, tokenFiles.get(node.name()));
            }
            for (LabNode node : lab.nodes()) {
                awaitHttpOk(node, "node-proxy readiness", "http://127.0.0.1:15021/healthz/ready");
            }
            enrollAll(leftOut);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void startController(Path tokens) {
        LabNode node = lab.node(CONTROLLER_NODE);
        processes.add(lab.start("controller", node.netns(), java("io.trellis.controller.ControllerMain",
                "--config-dir", configDir.toString(), "--bootstrap-tokens", tokens.toString(),
                "--listen-address", "0.0.0.0", "--debounce-quiet", "PT0.05S", "--debounce-max", "PT0.2S",
                "--rescan-interval", "PT1S")));
        awaitHttpOk(node, "controller readiness", "http://127.0.0.1:15014/healthz/ready");
    }

    private void startNodeProxy(LabNode node, Path tokenFile) {
        Path socket = lab.runDir().resolve("enroll-" + node.name() + ".sock");
        enrollSockets.put(node.name(), socket);
        processes.add(lab.start("node-proxy-" + node.name(), node.netns(), java(NodeProxyMain.class.getName(),
                "--node-name", node.name(), "--controller", lab.node(CONTROLLER_NODE).ip() + ":15010",
                "--bootstrap-token-file", tokenFile.toString(), "--enroll-socket", socket.toString(),
                "--trust-domain", "cluster.local", "--io-threads", "2", "--drain-timeout", "PT1S")));
    }

    /** Enrolls the pods (all but {@code leftOut}) through its node's enrollment socket, then installs its capture rules. */
    private void enrollAll(Set<String> leftOut) throws Exception {
        CaptureRules rules;
        for (LabNode node : lab.nodes()) {
            Path socket = enrollSockets.get(node.name());
            Await.until("enrollment socket " + socket, STARTUP, () -> Files.exists(socket));
            try (EnrollmentClient agent = EnrollmentClient.connect(socket, new LinuxSeqpacketSockets(),
                    Duration.ofSeconds(30))) {
                for (LabPod pod : node.pods()) {
                    if (leftOut.contains(pod.name())) {
                        continue;
                    }
                    agent.addPod(new PodInfo(pod.uid(), pod.name(), pod.namespace(), pod.serviceAccount()),
                            Path.of(pod.netns().file()));
                    rules = new CaptureRules(new ProcessCommandRunner(), pod.captureConfig());
                    rules.install(pod.netns());
                }
                agent.snapshotComplete();
            }
        }
    }

    /** {@code java -cp <this test's classpath> main args...} with the flags the node-proxy needs. */
    static List<String> java(String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dlogback.configurationFile=" + logbackConfig(),
                "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String logbackConfig() {
        try {
            return Path.of(NodeProxyMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolve("logback.xml").toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void awaitHttpOk(LabNode node, String what, String url) {
        try {
            Await.until(what + " (" + url + " in " + node.name() + ")", STARTUP, () -> {
                for (LabProcess p : processes) {
                    if (!p.isAlive()) {
                        throw new AssertionError(p.name() + " exited while waiting for " + what);
                    }
                }
                return node.exec("curl", "-sf", "--max-time", "2", url).ok();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + processLogs(), e);
        }
    }

    /** curl from inside {@code pod}; the body (or the failure). */
    CommandResult curl(String pod, String url) {
        return lab.pod(pod).exec("curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{time_total}", url);
    }

    String metrics(String node) {
        return lab.node(node).exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:15020/stats/prometheus").stdout();
    }

    String processLogs() {
        StringBuilder b = new StringBuilder();
        for (LabProcess p : processes) {
            String log = p.log();
            b.append("\n--- ").append(p.name()).append(p.isAlive() ? "" : " (exited)").append(" ---\n")
                    .append(log.length() > 4000 ? log.substring(log.length() - 4000) : log);
        }
        return b.toString();
    }

    /** A process this mesh started: {@code controller} or {@code node-proxy-<node>}. */
    LabProcess process(String name) {
        return processes.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no process " + name));
    }

    void writeConfig(String file, String yaml) throws IOException {
        Files.writeString(configDir.resolve(file), yaml, StandardCharsets.UTF_8);
    }

    void deleteConfig(String file) throws IOException {
        Files.deleteIfExists(configDir.resolve(file));
    }

    /** Tears the lab down, unless {@code -Dtrellis.e2e.keepLab=true} asks to keep it for inspection. */
    @Override
    public void close() {
        if (Boolean.getBoolean("trellis.e2e.keepLab")) {
            System.err.println("keeping lab " + lab.prefix() + ": remove it with ./trellis lab down --prefix "
                    + lab.prefix());
            return;
        }
        lab.close();
    }
}
