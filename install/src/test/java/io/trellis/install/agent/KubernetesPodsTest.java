package io.trellis.install.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The agent's API view against fabric8's CRUD mock server: only this node's pods, with namespace labels. */
class KubernetesPodsTest {

    @Test
    void listsThisNodesPodsAndDrivesAReconcile() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop")
                    .addToLabels("trellis.io/dataplane-mode", "ambient").endMetadata().build()).create();
            client.pods().inNamespace("shop").resource(pod("web", "node-a", "10.1.1.5")).create();
            client.pods().inNamespace("shop").resource(pod("elsewhere", "node-b", "10.1.2.5")).create();

            AgentFakes.NodeProxy nodeProxy = new AgentFakes.NodeProxy();
            AgentFakes.Locator locator = new AgentFakes.Locator();
            locator.byIp.put(InetAddress.ofLiteral("10.1.1.5"), java.nio.file.Path.of("/proc/42/ns/net"));
            AtomicInteger changes = new AtomicInteger();
            // fabric8's mock server does not implement the spec.nodeName field selector: the client-side check
            // (which the real constructor also applies) is what keeps node-b's pod out here
            try (KubernetesPods pods = new KubernetesPods(client, "node-a", changes::incrementAndGet, false)) {
                Await.until("informers synced", Duration.ofSeconds(30), pods::synced);
                Await.until("events seen", Duration.ofSeconds(30), () -> changes.get() > 0);
                assertThat(pods.all()).extracting(PodFacts::key).containsExactly("shop/web");
                PodFacts web = pods.pod("shop", "web").orElseThrow();
                assertThat(web.namespaceLabels()).containsEntry("trellis.io/dataplane-mode", "ambient");
                assertThat(web.ips()).containsExactly(InetAddress.ofLiteral("10.1.1.5"));
                assertThat(web.serviceAccount()).isEqualTo("web-sa");
                assertThat(pods.pod("shop", "nope")).isEmpty();

                NodeAgent agent = new NodeAgent("node-a", new EnrollmentPolicy(Set.of()), pods,
                        new AgentFakes.Capture(), nodeProxy, locator);
                assertThat(agent.reconcile(pods.all())).isEmpty();
                assertThat(nodeProxy.pods).containsOnlyKeys(web.uid());
            }
        } finally {
            server.destroy();
        }
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String name, String node, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").withUid(name + "-uid")
                .withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName(name + "-sa")
                .addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .withNewStatus().withPodIP(ip).addNewPodIP().withIp(ip).endPodIP().endStatus().build();
    }
}
