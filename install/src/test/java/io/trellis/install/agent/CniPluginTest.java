package io.trellis.install.agent;

import static io.trellis.install.agent.AgentFakes.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real C plugin ({@code target/cni/trellis-cni}, built by Maven when gcc exists) run as a container runtime
 * runs it, against a real agent socket: the CNI protocol end to end, including fail-closed when the agent is gone.
 */
class CniPluginTest {

    static final Path PLUGIN = Path.of("target", "cni", "trellis-cni");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREV = "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
            + "\"ips\":[{\"address\":\"10.1.1.5/24\",\"gateway\":\"10.1.1.1\"}],\"dns\":{\"search\":[\"a}b\"]}}";

    @TempDir
    Path dir;
    private Path socket;
    private CniServer server;
    private final AgentFakes.Capture capture = new AgentFakes.Capture();
    private final AgentFakes.NodeProxy nodeProxy = new AgentFakes.NodeProxy();

    record Run(int exit, String stdout) {}

    @BeforeEach
    void start() throws IOException {
        assumeTrue(Files.isExecutable(PLUGIN), "the CNI plugin was not built (gcc not found when Maven ran): "
                + "install gcc to run these tests");
        socket = dir.resolve("cni.sock");
        AgentFakes.Pods pods = new AgentFakes.Pods()
                .add(pod("shop", "web", Map.of(), Map.of("trellis.io/dataplane-mode", "ambient"), false))
                .add(pod("plain", "app", Map.of(), Map.of(), false));
        server = CniServer.start(socket, new NodeAgent("node-a", new EnrollmentPolicy(Set.of("trellis-system")),
                pods, capture, nodeProxy, new AgentFakes.Locator()));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String config(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"k8s-pod-network\",\"type\":\"trellis-cni\","
                + "\"agentSocket\":\"" + socket + "\",\"excludeNamespaces\":\"kube-system,trellis-system\","
                + "\"prevResult\":" + PREV + "}";
    }

    private Run plugin(String command, String ns, String name, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PLUGIN.toAbsolutePath().toString());
        pb.environment().clear();
        pb.environment().putAll(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "abc123",
                "CNI_NETNS", "/var/run/netns/cni-test", "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin",
                "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + ns + ";K8S_POD_NAME=" + name
                        + ";K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=" + name + "-uid"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void addOfAnEnrolledPodEnrollsItAndPrintsPrevResult() throws Exception {
        Run r = plugin("ADD", "shop", "web", config("1.0.0"));
        assertThat(r.exit()).as(r.stdout()).isZero();
        assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(PREV));
        assertThat(capture.installed).containsExactly(Path.of("/var/run/netns/cni-test"));
        assertThat(nodeProxy.pods).containsEntry("web-uid", Path.of("/var/run/netns/cni-test"));

        Run del = plugin("DEL", "shop", "web", "{\"cniVersion\":\"1.0.0\",\"name\":\"k\",\"type\":\"trellis-cni\","
                + "\"agentSocket\":\"" + socket + "\"}");
        assertThat(del.exit()).isZero();
        assertThat(del.stdout()).isEmpty();
        assertThat(nodeProxy.pods).isEmpty();
    }

    @Test
    void addOfAPodOutsideTheMeshPassesPrevResultThrough() throws Exception {
        Run r = plugin("ADD", "plain", "app", config("1.0.0"));
        assertThat(r.exit()).isZero();
        assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(PREV));
        assertThat(nodeProxy.pods).isEmpty();
    }

    @Test
    void nodeProxyNotReadyFailsTheAddWithACniError() throws Exception {
        nodeProxy.ready = false;
        Run r = plugin("ADD", "shop", "web", config("0.4.0"));
        assertThat(r.exit()).isEqualTo(1);
        JsonNode error = JSON.readTree(r.stdout());
        assertThat(error.get("code").asInt()).isEqualTo(999);
        assertThat(error.get("cniVersion").asText()).isEqualTo("0.4.0");
        assertThat(error.get("msg").asText()).contains("not ready");
    }

    @Test
    void agentDownFailsClosedExceptForExcludedNamespacesAndDel() throws Exception {
        server.close();
        server = null;
        Run add = plugin("ADD", "shop", "web", config("1.0.0"));
        assertThat(add.exit()).isEqualTo(1);
        JsonNode error = JSON.readTree(add.stdout());
        assertThat(error.get("msg").asText()).contains("node agent is not reachable");
        assertThat(error.get("details").asText()).contains(socket.toString());

        Run system = plugin("ADD", "trellis-system", "trellis-node-proxy-x", config("1.0.0"));
        assertThat(system.exit()).isZero();
        assertThat(JSON.readTree(system.stdout())).isEqualTo(JSON.readTree(PREV));

        assertThat(plugin("DEL", "shop", "web", config("1.0.0")).exit()).isZero();
        assertThat(plugin("CHECK", "shop", "web", config("1.0.0")).exit()).isZero();
    }

    @Test
    void versionIsAnsweredByThePluginItself() throws Exception {
        Run r = plugin("VERSION", "", "", "");
        assertThat(r.exit()).isZero();
        assertThat(JSON.readTree(r.stdout()).get("supportedVersions").toString()).contains("1.0.0");
    }

    @Test
    void malformedConfigIsACniError() throws Exception {
        Run r = plugin("ADD", "shop", "web", "{\"agentSocket\":\"" + socket + "\", broken");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(JSON.readTree(r.stdout()).get("msg").asText()).contains("not JSON");
    }
}
