package io.trellis.install.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trellis.install.agent.CommandResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's view of a lab, written without building it (no root needed). */
class LabManifestWriterTest {

    @TempDir
    Path runRoot;

    private Lab lab(LabSpec spec) {
        LabManager manager = new LabManager((netns, argv, stdin) -> new CommandResult(argv, 0, "", ""), runRoot);
        return new Lab(manager, new LabStateStore(runRoot, spec.prefix()), spec);
    }

    @Test
    void writesNamespacesPodsNodesAndServicesAsKubernetesObjects() throws Exception {
        LabSpec spec = new LabSpec("trlt-yaml", List.of(new LabSpec.NodeSpec("node-a"), new LabSpec.NodeSpec("node-b")),
                List.of(new LabSpec.PodSpec("client", "demo", "client", Map.of("app", "client"), "node-a"),
                        new LabSpec.PodSpec("reviews-v1", "demo", "reviews", Map.of("app", "reviews", "version", "v1"), "node-b")),
                List.of(new LabSpec.ServiceSpec("reviews", "demo", Map.of("app", "reviews"),
                        List.of(new LabSpec.ServicePort("http", 9080, 9080)), Map.of("trellis.io/use-waypoint", "wp"))));
        Lab lab = lab(spec);

        Path file = lab.writeManifests(runRoot.resolve("out").resolve("lab.yaml"));

        List<JsonNode> docs = new ArrayList<>();
        try (var it = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            it.forEachRemaining(docs::add);
        }
        assertThat(docs).extracting(d -> d.path("kind").asText())
                .containsExactly("Namespace", "ServiceAccount", "ServiceAccount", "Node", "Node", "Pod", "Pod", "Service");
        assertThat(docs).allSatisfy(d -> assertThat(d.path("apiVersion").asText()).isEqualTo("v1"));
        assertThat(docs.getFirst().at("/metadata/labels/trellis.io~1dataplane-mode").asText()).isEqualTo("ambient");

        JsonNode reviews = docs.get(6);
        assertThat(reviews.at("/metadata/name").asText()).isEqualTo("reviews-v1");
        assertThat(reviews.at("/metadata/uid").asText()).isEqualTo(lab.pod("reviews-v1").uid());
        assertThat(reviews.at("/spec/nodeName").asText()).isEqualTo("node-b");
        assertThat(reviews.at("/spec/serviceAccountName").asText()).isEqualTo("reviews");
        assertThat(reviews.at("/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(9080);
        assertThat(reviews.at("/status/podIP").asText()).isEqualTo("10.241.2.2");
        assertThat(reviews.at("/status/hostIP").asText()).isEqualTo("10.240.0.2");
        assertThat(docs.get(5).at("/spec/containers/0/ports").isMissingNode()).isTrue();

        JsonNode service = docs.get(7);
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("10.96.0.10");
        assertThat(service.at("/spec/selector/app").asText()).isEqualTo("reviews");
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(9080);
        assertThat(service.at("/metadata/labels/trellis.io~1use-waypoint").asText()).isEqualTo("wp");
        assertThat(docs.get(3).at("/status/addresses/0/address").asText()).isEqualTo("10.240.0.1");
    }

    @Test
    void podUidsAreStablePerLabAndDifferBetweenLabs() {
        LabSpec spec = LabSpec.standard("trlt-one", 1, 1);
        assertThat(lab(spec).pod("a1").uid()).isEqualTo(lab(spec).pod("a1").uid());
        assertThat(lab(spec).pod("a1").uid()).isNotEqualTo(lab(LabSpec.standard("trlt-two", 1, 1)).pod("a1").uid());
    }
}
