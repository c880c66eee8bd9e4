package io.trellis.e2e.loopback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trellis.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loopback mesh's pieces that need no running mesh: its manifests, its address block, its leftover cleanup. */
class LoopbackMeshTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static LoopbackTopology topology() {
        LoopbackTopology t = new LoopbackTopology("127.201.7", List.of(), List.of(), List.of());
        return new LoopbackTopology(t.block(), List.of("node1", "node2"),
                List.of(new LoopbackTopology.Workload("client", "default", "client", "node1", t.ip(11),
                                Map.of("app", "client")),
                        new LoopbackTopology.Workload("web-1", "shop", "web", "node2", t.ip(21), Map.of("app", "web")),
                        new LoopbackTopology.Workload("wp", "shop", "wp", "node2", t.ip(31),
                                Map.of("trellis.io/dataplane-mode", "none"))),
                List.of(new LoopbackTopology.Service("web", "shop", t.ip(101), 80, 8080, Map.of("app", "web"),
                        Map.of("trellis.io/use-waypoint", "wp"))));
    }

    @Test
    void manifestsAreThePodsAndServicesAsTheKubeletAndApiServerWouldFillThemIn() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(topology().manifests())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        assertThat(docs).extracting(d -> d.path("kind").asText() + " " + d.at("/metadata/namespace").asText("")
                + "/" + d.at("/metadata/name").asText()).containsExactly("Namespace /default",
                "ServiceAccount default/client", "Namespace /shop", "ServiceAccount shop/web", "ServiceAccount shop/wp",
                "Pod default/client", "Pod shop/web-1", "Pod shop/wp", "Service shop/web");
        JsonNode web = docs.get(6);
        assertThat(web.at("/spec/nodeName").asText()).isEqualTo("node2");
        assertThat(web.at("/status/podIP").asText()).isEqualTo("127.201.7.21");
        assertThat(web.at("/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(docs.get(7).at("/metadata/labels").get("trellis.io/dataplane-mode").asText()).isEqualTo("none");
        JsonNode svc = docs.get(8);
        assertThat(svc.at("/spec/clusterIP").asText()).isEqualTo("127.201.7.101");
        assertThat(svc.at("/spec/selector/app").asText()).isEqualTo("web");
        assertThat(svc.at("/metadata/labels").get("trellis.io/use-waypoint").asText()).isEqualTo("wp");
        assertThat(docs.get(0).at("/metadata/labels").get("trellis.io/dataplane-mode").asText()).isEqualTo("ambient");
    }

    @Test
    void aFreeBlockIsInTheLoopbackRange() {
        String block = LoopbackTopology.freeBlock(RandomGenerator.getDefault());
        assertThat(block).matches("127\\.1\\d\\d\\.\\d{1,3}");
    }

    @Test
    void leftoversOfACrashedRunAreStoppedAndStrangersAreNot(@TempDir Path runDir) throws Exception {
        // a process of the earlier run names its run directory on its command line; the stranger does not
        Process ours = new ProcessBuilder("sh", "-c", "sleep 120", runDir.toString()).start();
        Process stranger = new ProcessBuilder("sleep", "120").start();
        try {
            Files.writeString(runDir.resolve("pids"), ours.pid() + " app-x\n" + stranger.pid() + " app-y\n"
                    + "not-a-pid z\n", StandardCharsets.UTF_8);
            assertThat(LoopbackMesh.stopLeftovers(runDir)).isEqualTo(1);
            Await.until("the earlier run's process stopped", Duration.ofSeconds(10), () -> !ours.isAlive());
            assertThat(stranger.isAlive()).isTrue();
            assertThat(runDir.resolve("pids")).doesNotExist();
            assertThat(LoopbackMesh.stopLeftovers(runDir)).isZero();
        } finally {
            ours.destroyForcibly();
            stranger.destroyForcibly();
        }
    }
}
