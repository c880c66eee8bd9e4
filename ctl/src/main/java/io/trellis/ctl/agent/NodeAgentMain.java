package io.trellis.ctl.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.trellis.install.agent.AgentException;
import io.trellis.install.agent.CaptureConfig;
import io.trellis.install.agent.CaptureRules;
import io.trellis.install.agent.CniInstaller;
import io.trellis.install.agent.CniServer;
import io.trellis.install.agent.EnrollmentPolicy;
import io.trellis.install.agent.KubernetesPods;
import io.trellis.install.agent.NodeAgent;
import io.trellis.install.agent.PodCapture;
import io.trellis.install.agent.ProcNetnsLocator;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The node agent process (one per node, the {@code trellis-node-agent} DaemonSet): installs the CNI plugin,
 * serves its socket, reconciles running pods from the API, and enrolls pods with the node-proxy.
 */
@Command(name = "trellis-node-agent", mixinStandardHelpOptions = true,
        description = "Per-node agent: CNI plugin installer and handler, pod reconciler, node-proxy enrollment.")
public final class NodeAgentMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgentMain.class);

    @Option(names = "--node-name", required = true, description = "This node's name (downward API spec.nodeName).")
    String nodeName = "";
    @Option(names = "--cni-bin-dir", defaultValue = "/host/opt/cni/bin", description = "Where the plugin binary goes (default ${DEFAULT-VALUE}).")
    Path cniBinDir = Path.of("/host/opt/cni/bin");
    @Option(names = "--cni-conf-dir", defaultValue = "/host/etc/cni/net.d", description = "Whose first conflist gets the plugin chained (default ${DEFAULT-VALUE}).")
    Path cniConfDir = Path.of("/host/etc/cni/net.d");
    @Option(names = "--plugin-binary", defaultValue = "/opt/trellis/bin/trellis-cni", description = "The built plugin in this image (default ${DEFAULT-VALUE}).")
    Path pluginBinary = Path.of("/opt/trellis/bin/trellis-cni");
    @Option(names = "--socket", defaultValue = "/var/run/trellis/cni.sock", description = "The agent's socket for the plugin (default ${DEFAULT-VALUE}).")
    Path socket = Path.of("/var/run/trellis/cni.sock");
    @Option(names = "--enrollment-socket", defaultValue = "/var/run/trellis/enroll.sock", description = "The node-proxy's enrollment socket (default ${DEFAULT-VALUE}).")
    Path enrollmentSocket = Path.of("/var/run/trellis/enroll.sock");
    @Option(names = "--exclude-namespaces", split = ",", defaultValue = "kube-system,trellis-system", description = "Never enrolled; their pods start even while the agent is down (default ${DEFAULT-VALUE}).")
    List<String> excluded = List.of("kube-system", "trellis-system");
    @Option(names = "--probe-source", description = "Source address of the kubelet's health probes on this node's pod network; exempt from capture (repeatable).")
    List<String> probeSources = List.of();
    @Option(names = "--resync-interval", defaultValue = "PT30S", description = "Full reconcile at least this often (default ${DEFAULT-VALUE}).")
    Duration resync = Duration.ofSeconds(30);

    @Override
    public Integer call() throws Exception {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("node-agent").factory());
        LinuxNetnsOps netnsOps = new LinuxNetnsOps();
        EnrollmentClientEnroller enroller = new EnrollmentClientEnroller(enrollmentSocket, new LinuxSeqpacketSockets(),
                netnsOps, Duration.ofSeconds(30));
        ProcessCommandRunner runner = new ProcessCommandRunner();
        KubernetesClient client = new KubernetesClientBuilder().build();
        AtomicBoolean pending = new AtomicBoolean();
        KubernetesPods[] pods = new KubernetesPods[1];
        NodeAgent[] agent = new NodeAgent[1];
        Runnable reconcile = () -> {
            pending.set(false);
            try {
                if (pods[0].synced()) {
                    agent[0].reconcile(pods[0].all());
                }
            } catch (AgentException | RuntimeException e) {
                LOG.warn("event=reconcile_failed problem=\"{}\" (retried)", e.getMessage());
            }
        };
        pods[0] = new KubernetesPods(client, nodeName, () -> {
            if (pending.compareAndSet(false, true)) {
                executor.schedule(reconcile, 1, TimeUnit.SECONDS);   // coalesce bursts of pod events
            }
        });
        agent[0] = new NodeAgent(nodeName, new EnrollmentPolicy(Set.copyOf(excluded)), pods[0],
                PodCapture.of(new CaptureRules(runner, CaptureConfig.defaults(probeSources))), enroller,
                new ProcNetnsLocator(runner));
        CniServer server = CniServer.start(socket, agent[0]);
        if (Files.isRegularFile(pluginBinary)) {
            CniInstaller.installBinary(pluginBinary, cniBinDir);
        } else {
            LOG.warn("event=plugin_binary_missing path={} (not installing it; an earlier copy stays)", pluginBinary);
        }
        executor.scheduleWithFixedDelay(() -> {
            try {
                CniInstaller.chain(cniConfDir, socket, excluded);
            } catch (AgentException e) {
                LOG.warn("event=cni_chain_pending problem=\"{}\"", e.getMessage());
            }
        }, 0, 5, TimeUnit.SECONDS);
        executor.scheduleWithFixedDelay(reconcile, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            // the conflist entry stays: without the agent, enrolled pods must not start (fail closed)
            server.close();
            pods[0].close();
            enroller.close();
            executor.shutdownNow();
            client.close();
            stopped.countDown();
        }));
        LOG.info("event=node_agent_started node={} socket={} enrollment_socket={}", nodeName, socket, enrollmentSocket);
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new NodeAgentMain());
        cli.registerConverter(Duration.class, Duration::parse);
        System.exit(cli.execute(args));
    }
}
