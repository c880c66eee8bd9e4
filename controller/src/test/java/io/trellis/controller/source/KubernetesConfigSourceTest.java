package io.trellis.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.xds.WorkloadTranslator;
import io.trellis.controller.envoy.EnvoyResources;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode against fabric8's Kubernetes mock server in CRUD mode (a real HTTP API with list and watch):
 * the demo config created through the API gives the same objects, model and xDS resources as the YAML
 * directory does.
 */
class KubernetesConfigSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path DEMO = Path.of("examples", "demo");

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesConfigSource source;
    private final AtomicReference<ConfigSnapshot> latest = new AtomicReference<>();

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(KubernetesKinds.ALL), false);
        server.init();
        client = server.createClient();
        source = new KubernetesConfigSource(client, Duration.ofMillis(20), executor);
    }

    @AfterEach
    void stop() {
        source.close();
        client.close();
        server.destroy();
        executor.shutdownNow();
    }

    private static CustomResourceDefinitionContext kindOf(JsonNode doc) {
        return KubernetesKinds.ALL.stream().filter(k -> k.getKind().equals(doc.get("kind").asText()))
                .findFirst().orElseThrow();
    }

    private GenericKubernetesResource create(JsonNode doc) {
        GenericKubernetesResource r = client.getKubernetesSerialization()
                .unmarshal(doc.toString(), GenericKubernetesResource.class);
        CustomResourceDefinitionContext kind = kindOf(doc);
        var op = client.genericKubernetesResources(kind);
        return kind.isNamespaceScoped() ? op.inNamespace(r.getMetadata().getNamespace()).resource(r).create()
                : op.resource(r).create();
    }

    private void createDemo() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(DEMO).sorted()) {
            for (Path f : files.toList()) {
                for (JsonNode doc : yaml.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile()).readAll()) {
                    create(doc);
                }
            }
        }
    }

    @Test
    void sameObjectsModelAndResourcesAsTheYamlDirectory() throws Exception {
        createDemo();
        source.start(latest::set);
        ConfigSnapshot fromDir = DirectoryConfigSource.load(DEMO);

        ConfigSnapshot fromK8s = Await.value("all demo objects", WAIT, latest::get,
                s -> s != null && s.objects().size() == fromDir.objects().size());

        assertThat(fromK8s.problems()).isEmpty();
        assertThat(new HashSet<>(fromK8s.objects())).isEqualTo(new HashSet<>(fromDir.objects()));
        var modelK8s = ModelBuilder.build(fromK8s, MeshSettings.defaults());
        var modelDir = ModelBuilder.build(fromDir, MeshSettings.defaults());
        assertThat(WorkloadTranslator.translate(modelK8s)).isEqualTo(WorkloadTranslator.translate(modelDir));
        assertThat(new HashSet<>(EnvoyResources.of(modelK8s).routes()))
                .isEqualTo(new HashSet<>(EnvoyResources.of(modelDir).routes()));
    }

    @Test
    void followsUpdatesAndDeletes() throws Exception {
        createDemo();
        source.start(latest::set);
        Await.until("demo loaded", WAIT, () -> latest.get() != null && latest.get().pods().size() == 4);

        client.pods().inNamespace("demo").withName("reviews-v2").delete();
        Await.until("pod deleted", WAIT, () -> latest.get().pods().size() == 3);

        ObjectMapper json = new ObjectMapper();
        create(json.readTree("""
                {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "reviews-v3", "namespace": "demo", "labels": {"app": "reviews"}},
                 "spec": {"nodeName": "node-b", "serviceAccountName": "reviews", "containers": [{"name": "c"}]},
                 "status": {"podIP": "10.42.2.13"}}
                """));
        Await.until("pod added", WAIT, () -> latest.get().pods().stream()
                .anyMatch(p -> p.meta().name().equals("reviews-v3")));
    }

    @Test
    void invalidPolicyIsReportedInItsStatusAndTheRestStays() throws Exception {
        createDemo();
        ObjectMapper json = new ObjectMapper();
        create(json.readTree("""
                {"apiVersion": "trellis.io/v1alpha1", "kind": "AuthorizationPolicy",
                 "metadata": {"name": "broken", "namespace": "demo"},
                 "spec": {"action": "PERMIT"}}
                """));
        source.start(latest::set);

        ConfigSnapshot s = Await.value("problem reported", WAIT, latest::get,
                x -> x != null && !x.problems().isEmpty() && x.pods().size() == 4);
        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.object()).isEqualTo("AuthorizationPolicy/demo/broken");
            assertThat(p.field()).isEqualTo("spec.action");
        });
        assertThat(s.authorizationPolicies()).extracting(a -> a.meta().name()).containsExactly("reviews-allow-client");

        CustomResourceDefinitionContext authz = KubernetesKinds.ALL.stream()
                .filter(k -> k.getKind().equals("AuthorizationPolicy")).findFirst().orElseThrow();
        Object status = Await.value("status condition written", WAIT, () -> client.genericKubernetesResources(authz)
                .inNamespace("demo").withName("broken").get().getAdditionalProperties().get("status"),
                x -> x != null);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) ((Map<String, Object>) status)
                .get("conditions");
        assertThat(conditions).singleElement().satisfies(c -> {
            assertThat(c).containsEntry("type", "Accepted").containsEntry("status", "False")
                    .containsEntry("reason", "Invalid");
            assertThat((String) c.get("message")).startsWith("spec.action: must be ALLOW or DENY");
        });
    }
}
