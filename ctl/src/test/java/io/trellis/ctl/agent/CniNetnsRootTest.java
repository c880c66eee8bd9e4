package io.trellis.ctl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.install.agent.CaptureConfig;
import io.trellis.install.agent.CaptureRules;
import io.trellis.install.agent.CniServer;
import io.trellis.install.agent.EnrollmentPolicy;
import io.trellis.install.agent.NetnsLocator;
import io.trellis.install.agent.NodeAgent;
import io.trellis.install.agent.PodCapture;
import io.trellis.install.agent.PodDirectory;
import io.trellis.install.agent.PodFacts;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.node.inpod.EnrollmentServer;
import io.trellis.node.inpod.InPodRegistry;
import io.trellis.node.inpod.linux.LinuxNetnsOps;
import io.trellis.node.inpod.linux.LinuxSeqpacketSockets;
import io.trellis.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As root, with a real network namespace ({@code ip netns add tcni-<random>}): the C plugin's ADD installs the
 * real capture rules inside it and enrolls the pod into a real node-proxy {@link EnrollmentServer}, whose
 * listener then exists in that namespace; DEL un-enrolls it. Skipped without root, {@code ip} or the plugin.
 */
class CniNetnsRootTest {

    private static final Path PLUGIN = Path.of("..", "install", "target", "cni", "trellis-cni");
    private static final String PREV = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.250.0.2/24\"}]}";

    @TempDir
    Path dir;
    private final ProcessCommandRunner runner = new ProcessCommandRunner();
    private String netns;
    private LinuxNetnsOps netnsOps;
    private InPodRegistry registry;
    private EnrollmentServer enrollment;
    private EnrollmentClientEnroller enroller;
    private CniServer cni;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (network namespaces, iptables)");
        assumeTrue(Files.isExecutable(PLUGIN), "the CNI plugin is not built (needs gcc): " + PLUGIN);
        assumeTrue(run("ip", "netns", "list") == 0, "needs iproute2");
        netns = "tcni-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        assertThat(run("ip", "netns", "add", netns)).isZero();
        assertThat(run("ip", "-n", netns, "link", "set", "lo", "up")).isZero();

        netnsOps = new LinuxNetnsOps();
        // a minimal listener factory: one plain socket on 15001, created on the netns thread (so inside the pod)
        registry = new InPodRegistry((pod, ns) -> {
            ServerSocketChannel ch = netnsOps.call(ns, ServerSocketChannel::open);
            try {
                ch.bind(new InetSocketAddress(15001));
            } catch (java.io.IOException e) {
                try {
                    ch.close();
                } catch (java.io.IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new io.trellis.node.inpod.PodListenerException("bind 15001 in " + pod + ": " + e.getMessage(), e);
            }
            return () -> {
                try {
                    ch.close();
                } catch (java.io.IOException ignored) {
                    // closing a listener cannot fail in a way the test cares about
                }
            };
        });
        enrollment = EnrollmentServer.start(dir.resolve("enroll.sock"), new LinuxSeqpacketSockets(), netnsOps,
                registry);
        enroller = new EnrollmentClientEnroller(dir.resolve("enroll.sock"), new LinuxSeqpacketSockets(), netnsOps,
                Duration.ofSeconds(30));
        PodFacts web = new PodFacts("web-uid", "web", "shop", "web", "node-a", false, Map.of(),
                Map.of("trellis.io/dataplane-mode", "ambient"), List.of());
        PodDirectory pods = (ns, name) -> ns.equals("shop") && name.equals("web") ? Optional.of(web) : Optional.empty();
        NetnsLocator none = ips -> Optional.empty();
        NodeAgent agent = new NodeAgent("node-a", new EnrollmentPolicy(Set.of()), pods,
                PodCapture.of(new CaptureRules(runner, CaptureConfig.defaults(List.of()))), enroller, none);
        cni = CniServer.start(dir.resolve("cni.sock"), agent);
    }

    @AfterEach
    void tearDown() {
        if (cni != null) {
            cni.close();
        }
        if (enroller != null) {
            enroller.close();
        }
        if (enrollment != null) {
            enrollment.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (netns != null) {
            run("ip", "netns", "del", netns);
        }
    }

    @Test
    void cniAddCapturesAndEnrollsInARealNetnsAndDelUnenrolls() throws Exception {
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s\",\"type\":\"trellis-cni\",\"agentSocket\":\""
                + dir.resolve("cni.sock") + "\",\"prevResult\":" + PREV + "}";
        String[] result = plugin("ADD", config);
        assertThat(result[0]).as(result[1]).isEqualTo("0");
        assertThat(new ObjectMapper().readTree(result[1])).isEqualTo(new ObjectMapper().readTree(PREV));

        CaptureRules rules = new CaptureRules(runner, CaptureConfig.defaults(List.of()));
        assertThat(rules.status(io.trellis.install.agent.Netns.named(netns)).complete()).isTrue();
        assertThat(registry.snapshot()).containsKey("web-uid");
        String listening = runner.run(io.trellis.install.agent.Netns.named(netns), List.of("ss", "-ltnH")).stdout();
        assertThat(listening).contains(":15001");

        assertThat(plugin("DEL", config)[0]).isEqualTo("0");
        Await.until("pod removed from the node-proxy", Duration.ofSeconds(30),
                () -> !registry.snapshot().containsKey("web-uid"));
    }

    private String[] plugin(String command, String config) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PLUGIN.toAbsolutePath().toString());
        pb.environment().putAll(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "c1", "CNI_NETNS",
                "/run/netns/" + netns, "CNI_IFNAME", "eth0",
                "CNI_ARGS", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web;K8S_POD_UID=web-uid"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(config.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {Integer.toString(p.waitFor()), out};
    }

    private static int run(String... argv) {
        try {
            return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
