package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.List;
import java.util.Map;

/**
 * The controller: ServiceAccount, ClusterRole (exactly what Kubernetes mode's informers and status writes use),
 * its binding, Deployment, Service and PodDisruptionBudget.
 */
final class ControllerObjects {

    static final String NAME = "trellis-controller";
    /** Ports from the controller's README: plaintext gRPC, gRPC over TLS, HTTP metrics and health. */
    static final int XDS_PORT = 15010;
    static final int XDS_TLS_PORT = 15012;
    static final int MONITORING_PORT = 15014;
    /** The Secret holding the mesh CA ({@code trellis ca init} output: ca-key.pem, cert-chain.pem, root-cert.pem). */
    static final String CA_SECRET = "trellis-ca";
    static final String CA_DIR = "/etc/trellis/ca";

    private ControllerObjects() {}

    static List<HasMetadata> build(InstallOptions o) {
        Map<String, String> labels = Labels.component(NAME);
        Map<String, String> selector = Labels.selector(NAME);
        return List.of(
                new ServiceAccountBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata().build(),
                new ClusterRoleBuilder().withNewMetadata().withName(NAME).withLabels(labels).endMetadata()
                        .withRules(
                                // KubernetesKinds.ALL: list + watch by the informers (get for single reads)
                                rule("", List.of("namespaces", "pods", "services", "serviceaccounts"), "get", "list", "watch"),
                                rule("gateway.networking.k8s.io", List.of("gateways", "httproutes", "grpcroutes"),
                                        "get", "list", "watch"),
                                rule(TrellisCrds.GROUP, List.of("authorizationpolicies", "resiliencepolicies"),
                                        "get", "list", "watch"),
                                // Accepted=False conditions on invalid objects: a PUT of the status subresource
                                rule(TrellisCrds.GROUP, List.of("authorizationpolicies/status",
                                        "resiliencepolicies/status"), "get", "update", "patch"),
                                // the waypoint deployer (WaypointDeployer): per Gateway of class trellis-waypoint, a
                                // ServiceAccount, Service, Deployment and the mesh-root ConfigMap <gateway>-ca-root
                                // (the waypoint verifies the controller with it) read, created, brought back in line,
                                // deleted
                                rule("", List.of("services", "serviceaccounts"), "create", "update", "delete"),
                                rule("", List.of("configmaps"), "get", "create", "update", "delete"),
                                rule("apps", List.of("deployments"), "get", "create", "update", "delete"),
                                // ... and the Gateway's Accepted/Programmed conditions and address
                                rule("gateway.networking.k8s.io", List.of("gateways/status"), "update"),
                                // the CA's Kubernetes-mode credential: node-proxy tokens checked by TokenReview
                                rule("authentication.k8s.io", List.of("tokenreviews"), "create"))
                        .build(),
                new ClusterRoleBindingBuilder().withNewMetadata().withName(NAME).withLabels(labels).endMetadata()
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName(NAME).endRoleRef()
                        .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(o.namespace())
                        .endSubject().build(),
                // one replica runs the waypoint deployer, elected through a Lease in the controller's own namespace
                new RoleBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace()).withLabels(labels)
                        .endMetadata()
                        .withRules(rule("coordination.k8s.io", List.of("leases"), "get", "create", "update", "patch"))
                        .build(),
                new RoleBindingBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata()
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
                        .withName(NAME).endRoleRef()
                        .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(o.namespace())
                        .endSubject().build(),
                deployment(o, labels, selector),
                new ServiceBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace()).withLabels(labels)
                        .endMetadata().withNewSpec().withSelector(selector)
                        .addNewPort().withName("grpc-xds").withPort(XDS_PORT).withTargetPort(new IntOrString(XDS_PORT))
                        .withProtocol("TCP").endPort()
                        .addNewPort().withName("grpc-xds-tls").withPort(XDS_TLS_PORT)
                        .withTargetPort(new IntOrString(XDS_TLS_PORT)).withProtocol("TCP").endPort()
                        .addNewPort().withName("http-monitoring").withPort(MONITORING_PORT)
                        .withTargetPort(new IntOrString(MONITORING_PORT)).withProtocol("TCP").endPort()
                        .endSpec().build(),
                new PodDisruptionBudgetBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata().withNewSpec().withMinAvailable(new IntOrString(1))
                        .withNewSelector().withMatchLabels(selector).endSelector().endSpec().build());
    }

    private static io.fabric8.kubernetes.api.model.rbac.PolicyRule rule(String group, List<String> resources,
                                                                         String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(group).withResources(resources).withVerbs(verbs).build();
    }

    private static HasMetadata deployment(InstallOptions o, Map<String, String> labels, Map<String, String> selector) {
        return new DeploymentBuilder().withNewMetadata().withName(NAME).withNamespace(o.namespace()).withLabels(labels)
                .endMetadata()
                .withNewSpec().withReplicas(o.controllerReplicas())
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels)
                // the controller itself is never captured
                .addToLabels("trellis.io/dataplane-mode", "none").endMetadata()
                .withNewSpec().withServiceAccountName(NAME).withPriorityClassName("system-cluster-critical")
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(1337L).withRunAsGroup(1337L)
                // the CA Secret's files are group-readable by 1337, never world-readable
                .withFsGroup(1337L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                // every replica signs with the same CA (a per-replica in-memory CA would split the mesh in two
                // trust roots): the operator creates it once, `trellis ca init`, as Secret trellis-ca
                .addNewVolume().withName("ca").withNewSecret().withSecretName(CA_SECRET).withDefaultMode(0440)
                .endSecret().endVolume()
                .withContainers(new ContainerBuilder().withName("controller").withImage(o.image("controller"))
                        .withArgs("--kubernetes", "--ca-dir", CA_DIR, "--trust-domain", o.trustDomain(),
                                "--root-namespace", o.namespace(),
                                "--xds-port", Integer.toString(XDS_PORT), "--xds-tls-port", Integer.toString(XDS_TLS_PORT),
                                "--monitoring-port", Integer.toString(MONITORING_PORT))
                        .withEnv(Labels.env("TRELLIS_LOG_LEVEL", o.logLevel()))
                        .addNewPort().withName("grpc-xds").withContainerPort(XDS_PORT).withProtocol("TCP").endPort()
                        .addNewPort().withName("grpc-xds-tls").withContainerPort(XDS_TLS_PORT).withProtocol("TCP").endPort()
                        .addNewPort().withName("http-monitor").withContainerPort(MONITORING_PORT).withProtocol("TCP").endPort()
                        .withNewReadinessProbe().withNewHttpGet().withPath("/healthz/ready")
                        .withPort(new IntOrString(MONITORING_PORT)).endHttpGet().withPeriodSeconds(5).endReadinessProbe()
                        .withNewLivenessProbe().withNewHttpGet().withPath("/healthz/live")
                        .withPort(new IntOrString(MONITORING_PORT)).endHttpGet().withPeriodSeconds(10)
                        .withFailureThreshold(6).endLivenessProbe()
                        .withResources(o.controller().toModel())
                        .addNewVolumeMount().withName("ca").withMountPath(CA_DIR).withReadOnly(true).endVolumeMount()
                        .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                        .build())
                .endSpec().endTemplate().endSpec().build();
    }
}
