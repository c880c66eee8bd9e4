package io.trellis.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.trellis.controller.waypoint.WaypointSettings;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.KubernetesKinds;
import io.trellis.testkit.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The controller started in Kubernetes mode against fabric8's CRUD mock API server. */
class KubernetesModeTest {

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Controller controller;

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(KubernetesKinds.ALL), false);
        server.init();
        client = server.createClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("trellis.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.pods().inNamespace("demo").resource(new PodBuilder().withNewMetadata().withName("p1")
                .withNamespace("demo").endMetadata().withNewSpec().withNodeName("node-a")
                .addNewContainer().withName("c").endContainer().endSpec().withNewStatus().withPodIP("10.1.0.1")
                .withPhase("Running").endStatus().build()).create();
        // the controller finds the API server the way it would outside a cluster: client properties
        System.setProperty("kubernetes.master", client.getMasterUrl().toString());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        controller = new Controller(new ControllerSettings(null, true, MeshSettings.defaults(), "127.0.0.1", 0, 0, 0,
                null, null, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofSeconds(1)), new WaypointSettings("example/waypoint:test", "controller:15012",
                "trellis-system", "trellis-waypoints", "test-replica", Duration.ofSeconds(2)));
        controller.start();
    }

    @AfterEach
    void stop() {
        controller.close();
        System.clearProperty("kubernetes.master");
        System.clearProperty("kubernetes.auth.tryKubeConfig");
        System.clearProperty("kubernetes.auth.tryServiceAccount");
        client.close();
        server.destroy();
    }

    @Test
    void servesPodsFromTheApiServer() throws Exception {
        Await.until("controller ready", Duration.ofSeconds(60), controller::ready);

        client.pods().inNamespace("demo").resource(new PodBuilder().withNewMetadata().withName("p2")
                .withNamespace("demo").endMetadata().withNewSpec().withNodeName("node-b")
                .addNewContainer().withName("c").endContainer().endSpec().withNewStatus().withPodIP("10.1.0.2")
                .withPhase("Running").endStatus().build()).create();

        try (HttpClient http = HttpClient.newHttpClient()) {
            Await.until("both pods in the pushed config", Duration.ofSeconds(60), () -> {
                try {
                    String readiness = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + controller.monitoringPort() + "/healthz/ready")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    return readiness.startsWith("ready") && controller.workloadCount() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        assertThat(controller.workloadCount()).isEqualTo(2);
    }

    /**
     * The loop a waypoint goes through: a Gateway of class trellis-waypoint becomes a Deployment and Service; the
     * Service's cluster IP becomes the Gateway's status address; the model reads that as the waypoint's address.
     */
    @Test
    void gatewayBecomesARunningWaypointInTheModel() {
        CustomResourceDefinitionContext gatewayKind = KubernetesKinds.ALL.stream()
                .filter(k -> k.getKind().equals("Gateway")).findFirst().orElseThrow();
        client.genericKubernetesResources(gatewayKind).inNamespace("demo").resource(client
                .getKubernetesSerialization().unmarshal("""
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: Gateway
                        metadata: {name: wp, namespace: demo}
                        spec:
                          gatewayClassName: trellis-waypoint
                          listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                        """, GenericKubernetesResource.class)).create();
        Await.until("waypoint Deployment and Service", Duration.ofSeconds(60), () ->
                client.apps().deployments().inNamespace("demo").withName("wp").get() != null
                        && client.services().inNamespace("demo").withName("wp").get() != null);
        // the mock API server does not allocate cluster IPs: do what the real one does
        client.services().inNamespace("demo").withName("wp").edit(svc -> {
            svc.getSpec().setClusterIP("10.96.7.7");
            return svc;
        });
        Await.until("the waypoint in the model with the Service address", Duration.ofSeconds(60), () ->
                controller.model().waypoints().containsKey("demo/wp"));
        assertThat(controller.model().waypoints().get("demo/wp").address().getHostAddress()).isEqualTo("10.96.7.7");
        assertThat(controller.model().waypoints().get("demo/wp").identity())
                .isEqualTo("spiffe://cluster.local/ns/demo/sa/wp");
    }
}
