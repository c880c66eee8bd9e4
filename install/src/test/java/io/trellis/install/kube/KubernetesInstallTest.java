package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.source.KubernetesKinds;
import io.trellis.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Applies every rendered object to fabric8's Kubernetes mock server (CRUD mode), then runs the controller's
 * Kubernetes mode against it: the CRDs this module ships make the trellis.io kinds servable, so policies created
 * through them reach the proxies, and pods of an enrolled namespace appear as workloads.
 */
class KubernetesInstallTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private MockApiServer server;
    private KubernetesClient client;
    private Controller controller;

    @BeforeEach
    void start() {
        // the Gateway API kinds are served as if their CRDs were installed; trellis.io comes from our CRDs
        List<CustomResourceDefinitionContext> gatewayApi = KubernetesKinds.ALL.stream()
                .filter(k -> k.getGroup().equals("gateway.networking.k8s.io")).toList();
        server = new MockApiServer(gatewayApi);
        client = server.client("trellis-install-test");
    }

    @AfterEach
    void stop() {
        if (controller != null) {
            controller.close();
        }
        client.close();
        server.close();
    }

    @Test
    void renderedManifestsApplyAndTheControllerSeesWorkloadsAndPolicies() throws Exception {
        InstallOptions options = InstallOptions.defaults();
        for (HasMetadata o : ManifestRenderer.render(options)) {
            HasMetadata created = client.resource(o).create();
            assertThat(created.getMetadata().getUid()).as(o.getKind()).isNotNull();
        }
        assertThat(client.apps().deployments().inNamespace(options.namespace()).withName("trellis-controller").get()
                .getSpec().getReplicas()).isEqualTo(2);
        assertThat(client.apps().daemonSets().inNamespace(options.namespace()).list().getItems()).hasSize(2);
        assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems())
                .extracting(CustomResourceDefinition::getMetadata).extracting(m -> m.getName())
                .containsExactlyInAnyOrder("authorizationpolicies.trellis.io", "resiliencepolicies.trellis.io");

        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop")
                .addToLabels("trellis.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.pods().inNamespace("shop").resource(pod("web-1", "10.244.1.5")).create();
        client.pods().inNamespace("shop").resource(pod("web-2", "10.244.2.7")).create();
        client.genericKubernetesResources("trellis.io/v1alpha1", "AuthorizationPolicy").inNamespace("shop")
                .resource(policy("web-allow", "ALLOW")).create();
        client.genericKubernetesResources("trellis.io/v1alpha1", "AuthorizationPolicy").inNamespace("shop")
                .resource(policy("broken", "MAYBE")).create();

        server.becomeDefaultFor("default");
        ControllerSettings d = ControllerSettings.defaults(Path.of("unused"));
        controller = new Controller(new ControllerSettings(null, true, d.mesh(), "127.0.0.1", 0, 0, 0, null, null,
                Duration.ofMillis(20), Duration.ofMillis(200), d.maxCertTtl(), d.rescanInterval()));
        controller.start();

        try (WorkloadWatch watch = new WorkloadWatch(controller.xdsPort(), WorkloadWatch.WORKLOAD,
                WorkloadWatch.AUTHORIZATION)) {
            Await.until("both pods as workloads", WAIT,
                    () -> watch.names(WorkloadWatch.WORKLOAD).containsAll(List.of("shop/web-1", "shop/web-2")));
            Await.until("the valid policy", WAIT,
                    () -> watch.names(WorkloadWatch.AUTHORIZATION).contains("shop/web-allow"));
            assertThat(watch.names(WorkloadWatch.AUTHORIZATION)).doesNotContain("shop/broken");

            // the invalid one is marked through the status subresource the CRD declares and the RBAC allows
            Await.until("Accepted=False on the invalid policy", WAIT, () -> {
                GenericKubernetesResource broken = client.genericKubernetesResources("trellis.io/v1alpha1",
                        "AuthorizationPolicy").inNamespace("shop").withName("broken").get();
                return broken.getAdditionalProperties().get("status") instanceof Map<?, ?> status
                        && status.toString().contains("Accepted") && status.toString().contains("spec.action");
            });

            client.pods().inNamespace("shop").withName("web-2").delete();
            Await.until("deleted pod removed", WAIT,
                    () -> !watch.names(WorkloadWatch.WORKLOAD).contains("shop/web-2"));
        }
    }

    private static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").withUid(name + "-uid")
                .addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("node-1").withServiceAccountName("web")
                .addNewContainer().withName("app").withImage("web:1").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP().withIp(ip).endPodIP().endStatus()
                .build();
    }

    private static GenericKubernetesResource policy(String name, String action) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("trellis.io/v1alpha1");
        r.setKind("AuthorizationPolicy");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace("shop")
                .build());
        r.setAdditionalProperty("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "web")),
                "action", action, "rules", List.of(Map.of("from", List.of(Map.of("source",
                        Map.of("namespaces", List.of("shop"))))))));
        return r;
    }
}
