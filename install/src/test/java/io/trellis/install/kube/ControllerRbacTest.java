package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.ca.TokenReviewAuthenticator;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.KubernetesKinds;
import io.trellis.controller.waypoint.WaypointSettings;
import io.trellis.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller's RBAC, derived from what the controller does rather than from a list kept by hand: the rendered
 * manifests are applied to fabric8's mock API server, the controller runs in Kubernetes mode against it through a
 * waypoint's whole life (Gateway in, Deployment/Service/ServiceAccount created, Gateway status written, Gateway
 * gone, objects deleted), with an invalid policy (status write) and a CA token review; every request it sent is
 * then checked against the ClusterRole and Roles bound to its ServiceAccount.
 */
class ControllerRbacTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TEST_AGENT = "trellis-rbac-test";

    private MockApiServer server;
    private KubernetesClient client;
    private Controller controller;

    @BeforeEach
    void start() {
        server = new MockApiServer(KubernetesKinds.ALL);
        // the test's own requests carry their own user agent, so the controller's can be told apart
        client = server.client(TEST_AGENT);
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
    void everyRequestTheControllerMakesIsGrantedByTheRenderedRbac() throws Exception {
        InstallOptions options = InstallOptions.defaults();
        for (HasMetadata o : ManifestRenderer.render(options)) {
            client.resource(o).create();
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("trellis.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.pods().inNamespace("demo").resource(new PodBuilder().withNewMetadata().withName("p1")
                .withNamespace("demo").endMetadata().withNewSpec().withNodeName("node-a")
                .addNewContainer().withName("c").endContainer().endSpec().withNewStatus().withPodIP("10.1.0.1")
                .withPhase("Running").endStatus().build()).create();

        server.becomeDefaultFor(options.namespace());
        MeshSettings mesh = new MeshSettings("cluster.local", "cluster.local", options.namespace());
        controller = new Controller(new ControllerSettings(null, true, mesh, "127.0.0.1", 0, 0, 0, null, null,
                Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24), Duration.ofSeconds(1)),
                new WaypointSettings("example/waypoint:test", "trellis-controller." + options.namespace() + ".svc:15012",
                        options.namespace(), "trellis-waypoints", "replica-0", Duration.ofSeconds(2)));
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);

        waypointLifecycle();
        invalidPolicyStatus();
        // the CA's Kubernetes-mode credential check, as the controller wires it (Controller#start)
        try (KubernetesClient kube = new KubernetesClientBuilder().build()) {
            new TokenReviewAuthenticator(kube, options.namespace() + "/trellis-node-proxy",
                    List.of(TokenReviewAuthenticator.AUDIENCE),
                    () -> MeshModel.empty(mesh)).authenticate("not-a-real-token");
        }

        List<ApiRequest> requests = controllerRequests();
        List<PolicyRule> clusterRules = rulesBoundTo(options.namespace());
        Map<String, List<PolicyRule>> roleRules = roleRulesBoundTo(options.namespace());
        Set<String> seen = new TreeSet<>();
        List<String> denied = new ArrayList<>();
        for (ApiRequest r : requests) {
            seen.add(r.toString());
            boolean granted = clusterRules.stream().anyMatch(r::grantedBy)
                    || (r.namespace() != null && roleRules.getOrDefault(r.namespace(), List.of()).stream()
                            .anyMatch(r::grantedBy));
            if (!granted) {
                denied.add(r.toString());
            }
        }
        assertThat(denied).as("requests the controller made that its RBAC does not grant (all seen: %s)", seen)
                .isEmpty();
        // the scenario exercised what the RBAC is for (otherwise an empty list would pass vacuously)
        assertThat(seen).contains("create apps/deployments in demo", "create core/services in demo",
                "create core/serviceaccounts in demo", "update core/services in demo", "update gateway.networking.k8s.io/gateways/status in demo",
                "delete apps/deployments in demo", "create coordination.k8s.io/leases in " + options.namespace(),
                "update trellis.io/authorizationpolicies/status in demo", "create authentication.k8s.io/tokenreviews",
                "watch gateway.networking.k8s.io/gateways", "watch core/pods");
    }

    private void waypointLifecycle() {
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
        Await.until("waypoint Deployment, Service and ServiceAccount", WAIT, () ->
                client.apps().deployments().inNamespace("demo").withName("wp").get() != null
                        && client.services().inNamespace("demo").withName("wp").get() != null
                        && client.serviceAccounts().inNamespace("demo").withName("wp").get() != null);
        client.services().inNamespace("demo").withName("wp").edit(svc -> {
            svc.getSpec().setClusterIP("10.96.7.7"); // what the real API server would allocate
            svc.getSpec().setSelector(Map.of("app", "someone-else")); // drift the deployer must undo (an update)
            return svc;
        });
        Await.until("the Service's selector brought back", WAIT, () -> !client.services().inNamespace("demo")
                .withName("wp").get().getSpec().getSelector().containsValue("someone-else"));
        Await.until("Gateway status with the address", WAIT, () -> String.valueOf(client
                .genericKubernetesResources(gatewayKind).inNamespace("demo").withName("wp").get()
                .getAdditionalProperties().get("status")).contains("10.96.7.7"));
        client.genericKubernetesResources(gatewayKind).inNamespace("demo").withName("wp").delete();
        Await.until("waypoint objects deleted with their Gateway", WAIT, () ->
                client.apps().deployments().inNamespace("demo").withName("wp").get() == null);
    }

    private void invalidPolicyStatus() {
        GenericKubernetesResource broken = client.getKubernetesSerialization().unmarshal("""
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: broken, namespace: demo}
                spec: {action: MAYBE}
                """, GenericKubernetesResource.class);
        client.genericKubernetesResources("trellis.io/v1alpha1", "AuthorizationPolicy").inNamespace("demo")
                .resource(broken).create();
        Await.until("Accepted=False written to the invalid policy", WAIT, () -> String.valueOf(client
                .genericKubernetesResources("trellis.io/v1alpha1", "AuthorizationPolicy").inNamespace("demo")
                .withName("broken").get().getAdditionalProperties().get("status")).contains("Accepted"));
    }

    private List<ApiRequest> controllerRequests() throws InterruptedException {
        List<ApiRequest> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.server().takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            String agent = r.getHeader("User-Agent");
            if (agent != null && agent.contains(TEST_AGENT)) {
                continue;
            }
            ApiRequest parsed = ApiRequest.parse(r.getMethod(), r.getPath());
            if (parsed != null) {
                out.add(parsed);
            }
        }
        return out;
    }

    /** The rules of every ClusterRole bound to ServiceAccount {@code <namespace>/trellis-controller}. */
    private List<PolicyRule> rulesBoundTo(String namespace) {
        List<PolicyRule> rules = new ArrayList<>();
        for (ClusterRoleBinding b : client.rbac().clusterRoleBindings().list().getItems()) {
            if (bindsController(b.getSubjects(), namespace)) {
                ClusterRole role = client.rbac().clusterRoles().withName(b.getRoleRef().getName()).get();
                rules.addAll(role.getRules());
            }
        }
        return rules;
    }

    /** The rules of Roles bound to the controller's ServiceAccount, by the namespace they apply in. */
    private Map<String, List<PolicyRule>> roleRulesBoundTo(String namespace) {
        Map<String, List<PolicyRule>> out = new HashMap<>();
        for (RoleBinding b : client.rbac().roleBindings().inAnyNamespace().list().getItems()) {
            if (bindsController(b.getSubjects(), namespace)) {
                String ns = b.getMetadata().getNamespace();
                Role role = client.rbac().roles().inNamespace(ns).withName(b.getRoleRef().getName()).get();
                out.computeIfAbsent(ns, k -> new ArrayList<>()).addAll(role.getRules());
            }
        }
        return out;
    }

    private static boolean bindsController(List<io.fabric8.kubernetes.api.model.rbac.Subject> subjects,
            String namespace) {
        return subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals("trellis-controller") && namespace.equals(s.getNamespace()));
    }
}
