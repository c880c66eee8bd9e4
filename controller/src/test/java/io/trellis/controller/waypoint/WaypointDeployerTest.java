package io.trellis.controller.waypoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.KubernetesKinds;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import io.trellis.testkit.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The waypoint deployer and its leader election against fabric8's Kubernetes mock server in CRUD mode (a real
 * HTTP API with list, watch, server-side apply and status).
 */
class WaypointDeployerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final CustomResourceDefinitionContext GATEWAY = KubernetesKinds.ALL.stream()
            .filter(k -> k.getKind().equals("Gateway")).findFirst().orElseThrow();

    private static final String ROOT_PEM = PemFiles.toPem(CertificateAuthority.selfSigned("cluster.local",
            Duration.ofDays(1), Clock.systemUTC()).trustBundle().roots());

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(KubernetesKinds.ALL), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
        client.close();
        server.destroy();
    }

    private static WaypointSettings settings(String holder) {
        return new WaypointSettings("example/waypoint:test", "trellis-controller.trellis-system.svc:15012",
                "trellis-system", "trellis-waypoints", holder, Duration.ofSeconds(2));
    }

    private GenericKubernetesResource gateway(String name, String gatewayClass) {
        GenericKubernetesResource gw = client.getKubernetesSerialization().unmarshal("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: demo}
                spec:
                  gatewayClassName: %s
                  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                """.formatted(name, gatewayClass), GenericKubernetesResource.class);
        return client.genericKubernetesResources(GATEWAY).inNamespace("demo").resource(gw).create();
    }

    private @Nullable GenericKubernetesResource getGateway(String name) {
        return client.genericKubernetesResources(GATEWAY).inNamespace("demo").withName(name).get();
    }

    @SuppressWarnings("unchecked")
    private @Nullable Map<String, Object> condition(String gateway, String type) {
        GenericKubernetesResource gw = getGateway(gateway);
        if (gw == null || !(gw.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
                || !(status.get("conditions") instanceof List<?> conditions)) {
            return null;
        }
        return conditions.stream().map(c -> (Map<String, Object>) c).filter(c -> type.equals(c.get("type")))
                .findFirst().orElse(null);
    }

    private @Nullable Object addresses(String gateway) {
        GenericKubernetesResource gw = getGateway(gateway);
        return gw != null && gw.getAdditionalProperties().get("status") instanceof Map<?, ?> status
                ? status.get("addresses") : null;
    }

    private @Nullable Deployment deployment(String name) {
        return client.apps().deployments().inNamespace("demo").withName(name).get();
    }

    @Test
    void gatewayGetsDeploymentServiceAccountServiceAndStatusAndLosesThemWhenDeleted() {
        GenericKubernetesResource gw = gateway("wp", "trellis-waypoint");
        gateway("ingress", "some-other-class");
        try (WaypointDeployer deployer = new WaypointDeployer(client, settings("a"), MeshSettings.defaults(), ROOT_PEM,
                executor)) {
            deployer.start();
            Await.until("waypoint objects", WAIT, () -> deployment("wp") != null
                    && client.services().inNamespace("demo").withName("wp").get() != null
                    && client.serviceAccounts().inNamespace("demo").withName("wp").get() != null);

            Deployment d = deployment("wp");
            assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("Gateway");
                assertThat(o.getUid()).isEqualTo(gw.getMetadata().getUid());
                assertThat(o.getController()).isTrue();
            });
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                    .containsEntry("gateway.networking.k8s.io/gateway-name", "wp");
            assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("wp");
            assertThat(d.getSpec().getTemplate().getSpec().getContainers()).singleElement().satisfies(c -> {
                assertThat(c.getImage()).isEqualTo("example/waypoint:test");
                // WaypointMain's controller mode: TLS to 15012, the controller verified against the mounted root
                assertThat(c.getArgs()).containsSubsequence("--controller", "trellis-controller.trellis-system.svc:15012")
                        .containsSubsequence("--controller-root-cert", "/etc/trellis/ca-root/root-cert.pem")
                        .containsSubsequence("--controller-identity",
                                "spiffe://cluster.local/ns/trellis-system/sa/trellis-controller")
                        .containsSubsequence("--name", "wp").containsSubsequence("--namespace", "demo")
                        .containsSubsequence("--service-account", "wp")
                        .containsSubsequence("--bootstrap-token-file", "/var/run/secrets/trellis/token")
                        .containsSubsequence("--readiness", "0.0.0.0:15021")
                        .doesNotContain("--identity");
                assertThat(c.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
                assertThat(c.getVolumeMounts()).anySatisfy(m -> {
                    assertThat(m.getName()).isEqualTo("ca-root");
                    assertThat(m.getMountPath()).isEqualTo("/etc/trellis/ca-root");
                });
            });
            assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo("ca-root");
                assertThat(v.getConfigMap().getName()).isEqualTo("wp-ca-root");
            }).anySatisfy(v -> assertThat(v.getProjected().getSources()).singleElement().satisfies(src ->
                    assertThat(src.getServiceAccountToken().getAudience()).as("the CA's TokenReview audience")
                            .isEqualTo("trellis-controller")));
            // the root only (never a key), in the Gateway's namespace, owned by the Gateway
            Await.until("root ConfigMap", WAIT, () -> client.configMaps().inNamespace("demo").withName("wp-ca-root")
                    .get() != null);
            ConfigMap root = client.configMaps().inNamespace("demo").withName("wp-ca-root").get();
            assertThat(root.getData()).containsOnlyKeys("root-cert.pem").containsEntry("root-cert.pem", ROOT_PEM);
            assertThat(PemFiles.parseCertificates(root.getData().get("root-cert.pem"), "test")).hasSize(1);
            assertThat(root.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(gw.getMetadata().getUid()));
            Service svc = client.services().inNamespace("demo").withName("wp").get();
            assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort())
                    .isEqualTo(15008));
            assertThat(svc.getSpec().getSelector()).containsEntry("gateway.networking.k8s.io/gateway-name", "wp");
            assertThat(deployment("ingress")).as("other gateway classes are left alone").isNull();

            // accepted at once; programmed once the Service has its cluster IP (the mock API does not allocate)
            Await.until("Accepted", WAIT, () -> condition("wp", "Accepted") != null);
            assertThat(condition("wp", "Accepted")).containsEntry("status", "True");
            if (svc.getSpec().getClusterIP() == null || svc.getSpec().getClusterIP().isEmpty()) {
                assertThat(condition("wp", "Programmed")).containsEntry("status", "False")
                        .containsEntry("reason", "AddressNotAssigned");
                client.services().inNamespace("demo").withName("wp")
                        .edit(s -> { s.getSpec().setClusterIP("10.96.7.7"); return s; });
            }
            String ip = client.services().inNamespace("demo").withName("wp").get().getSpec().getClusterIP();
            Await.until("Programmed with the Service address", WAIT, () -> condition("wp", "Programmed") != null
                    && "True".equals(condition("wp", "Programmed").get("status")));
            assertThat(addresses("wp")).isEqualTo(List.of(Map.of("type", "IPAddress", "value", ip)));

            client.genericKubernetesResources(GATEWAY).inNamespace("demo").withName("wp").delete();
            Await.until("objects deleted with the Gateway", WAIT, () -> deployment("wp") == null
                    && client.services().inNamespace("demo").withName("wp").get() == null
                    && client.serviceAccounts().inNamespace("demo").withName("wp").get() == null
                    && client.configMaps().inNamespace("demo").withName("wp-ca-root").get() == null);
        }
    }

    @Test
    void anObjectTheGatewayDoesNotOwnIsNeverOverwritten() {
        client.apps().deployments().inNamespace("demo").resource(new DeploymentBuilder().withNewMetadata()
                .withName("taken").withNamespace("demo").endMetadata().withNewSpec().withReplicas(3).endSpec()
                .build()).create();
        gateway("taken", "trellis-waypoint");
        try (WaypointDeployer deployer = new WaypointDeployer(client, settings("a"), MeshSettings.defaults(), ROOT_PEM,
                executor)) {
            deployer.start();
            Await.until("NameConflict", WAIT, () -> condition("taken", "Programmed") != null);
            assertThat(condition("taken", "Programmed")).containsEntry("status", "False")
                    .containsEntry("reason", "NameConflict");
            assertThat(deployment("taken").getSpec().getReplicas()).isEqualTo(3);
            assertThat(deployment("taken").getMetadata().getOwnerReferences()).isNullOrEmpty();
        }
    }

    @Test
    void oneReplicaLeadsAndAnotherTakesOverWhenItLeaves() {
        gateway("wp", "trellis-waypoint");
        WaypointLeader a = new WaypointLeader(client, settings("replica-a"), new WaypointDeployer(client,
                settings("replica-a"), MeshSettings.defaults(), ROOT_PEM, executor), Executors.newCachedThreadPool());
        WaypointLeader b = new WaypointLeader(client, settings("replica-b"), new WaypointDeployer(client,
                settings("replica-b"), MeshSettings.defaults(), ROOT_PEM, executor), Executors.newCachedThreadPool());
        try {
            a.start();
            Await.until("replica a leads", WAIT, a::leading);
            b.start();
            Await.until("the leader deployed the waypoint", WAIT, () -> deployment("wp") != null);
            Lease lease = client.leases().inNamespace("trellis-system").withName("trellis-waypoints").get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-a");
            assertThat(b.leading()).isFalse();

            a.close();
            Await.until("replica b takes over", WAIT, b::leading);
            assertThat(client.leases().inNamespace("trellis-system").withName("trellis-waypoints").get().getSpec()
                    .getHolderIdentity()).isEqualTo("replica-b");
            // the new leader keeps managing: a deleted Deployment comes back. Judged by uid, not by seeing it gone:
            // the new leader's first reconcile may run right after the delete and re-create it at once.
            String deleted = deployment("wp").getMetadata().getUid();
            client.apps().deployments().inNamespace("demo").withName("wp").delete();
            client.genericKubernetesResources(GATEWAY).inNamespace("demo").withName("wp")
                    .edit(g -> { g.getMetadata().setLabels(Map.of("touched", "yes")); return g; });
            Await.until("the new leader re-created it", WAIT, () -> deployment("wp") != null
                    && !deployment("wp").getMetadata().getUid().equals(deleted));
        } finally {
            a.close();
            b.close();
        }
    }
}
