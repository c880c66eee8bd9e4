package io.trellis.install.lab;

import static io.trellis.install.lab.NetnsTestSupport.WAIT;
import static io.trellis.install.lab.NetnsTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.testkit.Await;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds a real 2 nodes x 2 pods lab (root) and checks what pods and users rely on. */
class LabNetnsTest {

    @TempDir
    static Path runRoot;

    private static LabManager manager;
    private static Lab lab;
    private static LabProcess server;

    @BeforeAll
    static void up() {
        NetnsTestSupport.assumeNetnsAvailable();
        manager = new LabManager(new ProcessCommandRunner(), runRoot);
        lab = manager.up(LabSpec.standard(NetnsTestSupport.uniquePrefix(), 2, 2));
        // An unmodified app: python's HTTP server in pod b1 on node2.
        server = lab.pod("b1").start("http-b1", List.of("python3", "-u", "-m", "http.server", "8080",
                "--bind", "0.0.0.0", "--directory", runRoot.toString()));
        Await.until("http server in b1 answers", WAIT, () -> lab.pod("b1")
                .exec("curl", "-s", "-o", "/dev/null", "http://127.0.0.1:8080/").ok());
    }

    @AfterAll
    static void down() {
        if (manager != null && lab != null) {
            String prefix = lab.prefix();
            manager.down(prefix);
            assertThat(manager.status(prefix).empty()).isTrue();
        }
    }

    @Test
    void podsOnDifferentNodesTalkThroughTheUnderlayWithTheirOwnAddresses() {
        LabPod a1 = lab.pod("a1");
        LabPod b1 = lab.pod("b1");
        assertThat(a1.nodeName()).isNotEqualTo(b1.nodeName());

        String out = ok(a1.exec("curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                "http://" + b1.ip() + ":8080/"));

        assertThat(out).isEqualTo("200");
        // No NAT anywhere: the server sees the client pod's own address.
        Await.until("server logged a1's address", WAIT, () -> server.log().contains(a1.ip() + " - - "));
    }

    @Test
    void podsOnTheSameNodeTalkThroughTheirNode() {
        String out = ok(lab.pod("b2").exec("curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                "http://" + lab.pod("b1").ip() + ":8080/"));

        assertThat(out).isEqualTo("200");
    }

    @Test
    void addressesFollowThePlanAndPodsRouteViaTheirNode() {
        LabPod a2 = lab.pod("a2");
        assertThat(a2.ip()).isEqualTo("10.241.1.3");
        assertThat(lab.node("node2").ip()).isEqualTo("10.240.0.2");

        assertThat(ok(a2.exec("ip", "-4", "-o", "addr", "show", "dev", "eth0"))).contains("10.241.1.3/32");
        assertThat(ok(a2.exec("ip", "route", "show", "default"))).contains("default via 10.241.1.1 dev eth0");
        assertThat(ok(lab.node("node1").exec("ip", "route", "show", "10.241.2.0/24")))
                .contains("via 10.240.0.2 dev eth0");
        assertThat(ok(lab.node("node1").exec("sysctl", "-n", "net.ipv4.ip_forward")).strip()).isEqualTo("1");
        assertThat(ok(a2.exec("ip", "-o", "link", "show", "lo"))).contains("UP");
    }

    @Test
    void nothingIsAddedToTheHostNamespace() {
        CommandResult links = new ProcessCommandRunner().run(io.trellis.install.agent.Netns.host(),
                List.of("ip", "-o", "link", "show"));

        assertThat(links.stdout()).doesNotContain(lab.prefix());
        assertThat(manager.status(lab.prefix()).hostLinks()).isEmpty();
        assertThat(manager.status(lab.prefix()).namespaces()).hasSize(1 + 2 + 4);
    }

    @Test
    void startedProcessesHaveLogsAndStopCleanly() {
        LabNode node = lab.node("node1");
        LabProcess echo = lab.start("echo-test", node.netns(), List.of("python3", "-u", "-c",
                "import os, time; print('hello from', os.environ['WHO'], flush=True); time.sleep(600)"),
                java.util.Map.of("WHO", "node1"));
        Await.until("process printed", WAIT, () -> echo.log().contains("hello from node1"));
        assertThat(lab.recordedProcesses()).anySatisfy(p -> {
            assertThat(p.name()).isEqualTo("echo-test");
            assertThat(p.alive()).isTrue();
            assertThat(p.netns()).isEqualTo(node.netns().name());
        });

        echo.stop();

        assertThat(echo.isAlive()).isFalse();
        assertThat(lab.recordedProcesses()).noneMatch(p -> p.name().equals("echo-test"));
    }

    @Test
    void attachFindsTheRunningLabFromItsStateFile() {
        Lab attached = manager.attach(lab.prefix()).orElseThrow();

        assertThat(attached.pods()).extracting(LabPod::ip).containsExactlyElementsOf(
                lab.pods().stream().map(LabPod::ip).toList());
        assertThat(attached.pod("b2").exec("true").ok()).isTrue();
    }

    @Test
    void manifestsDescribeThePodsAsTheControllerExpects() throws Exception {
        Path file = lab.writeManifests(runRoot.resolve("controller").resolve("lab.yaml"));

        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> docs = new ArrayList<>();
        try (var it = yaml.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            it.forEachRemaining(docs::add);
        }
        JsonNode b1 = docs.stream().filter(d -> d.path("kind").asText().equals("Pod")
                && d.path("metadata").path("name").asText().equals("b1")).findFirst().orElseThrow();
        assertThat(b1.path("status").path("podIP").asText()).isEqualTo(lab.pod("b1").ip());
        assertThat(b1.path("spec").path("nodeName").asText()).isEqualTo("node2");
        assertThat(b1.path("spec").path("serviceAccountName").asText()).isEqualTo("b");
        JsonNode ns = docs.stream().filter(d -> d.path("kind").asText().equals("Namespace")).findFirst().orElseThrow();
        assertThat(ns.path("metadata").path("labels").path("trellis.io/dataplane-mode").asText()).isEqualTo("ambient");
        JsonNode service = docs.stream().filter(d -> d.path("kind").asText().equals("Service")).findFirst().orElseThrow();
        assertThat(service.path("spec").path("clusterIP").asText()).startsWith("10.96.0.");
    }
}
