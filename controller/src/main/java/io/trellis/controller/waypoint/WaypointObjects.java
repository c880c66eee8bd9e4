package io.trellis.controller.waypoint;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.trellis.controller.ca.TokenReviewAuthenticator;
import io.trellis.controller.model.Labels;
import io.trellis.controller.model.MeshSettings;
import java.util.List;
import java.util.Map;

/**
 * The objects that run one waypoint, derived from its Gateway. Pure: the same Gateway gives the same objects.
 * Every object is named after the Gateway, labelled {@code gateway.networking.k8s.io/gateway-name} (the model
 * takes the waypoint's identity from pods with that label) and owned by the Gateway, so Kubernetes garbage
 * collects them with it.
 */
final class WaypointObjects {

    static final int HBONE_PORT = 15008;
    static final int STATS_PORT = 15020;
    static final int READINESS_PORT = 15021;
    static final String MANAGED_BY = "trellis-controller";
    private static final String TOKEN_DIR = "/var/run/secrets/trellis";
    /** Audience of the projected token the waypoint authenticates to the controller's CA with (its TokenReview's). */
    static final String TOKEN_AUDIENCE = TokenReviewAuthenticator.AUDIENCE;
    /** Where the mesh root is mounted; the key is the one of ConfigMap {@code trellis-ca-root} (the node-proxies'). */
    static final String CA_ROOT_DIR = "/etc/trellis/ca-root";
    static final String CA_ROOT_KEY = "root-cert.pem";

    private WaypointObjects() {}

    static boolean isWaypoint(GenericKubernetesResource gateway) {
        Object spec = gateway.getAdditionalProperties().get("spec");
        return spec instanceof Map<?, ?> m && Labels.WAYPOINT_CLASS.equals(m.get("gatewayClassName"));
    }

    private static ObjectMeta meta(GenericKubernetesResource gw) {
        return new ObjectMetaBuilder().withName(gw.getMetadata().getName())
                .withNamespace(gw.getMetadata().getNamespace())
                .withLabels(labels(gw))
                .withOwnerReferences(owner(gw)).build();
    }

    private static Map<String, String> labels(GenericKubernetesResource gw) {
        return Map.of(Labels.GATEWAY_NAME, gw.getMetadata().getName(), "app.kubernetes.io/managed-by", MANAGED_BY);
    }

    static OwnerReference owner(GenericKubernetesResource gw) {
        return new OwnerReferenceBuilder().withApiVersion(gw.getApiVersion()).withKind(gw.getKind())
                .withName(gw.getMetadata().getName()).withUid(gw.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    static ServiceAccount serviceAccount(GenericKubernetesResource gw) {
        return new ServiceAccountBuilder().withMetadata(meta(gw)).build();
    }

    /**
     * The mesh root for verifying the controller, in the Gateway's namespace: a pod can only mount a ConfigMap of its
     * own namespace, so the node-proxies' {@code trellis-ca-root} in the controller's namespace is out of reach.
     * Named {@code <gateway>-ca-root} and owned by the Gateway like the other objects; the root certificate only.
     */
    static ConfigMap caRoot(GenericKubernetesResource gw, String rootPem) {
        ObjectMeta meta = meta(gw);
        meta.setName(caRootName(gw));
        return new ConfigMapBuilder().withMetadata(meta).withData(Map.of(CA_ROOT_KEY, rootPem)).build();
    }

    static String caRootName(GenericKubernetesResource gw) {
        return gw.getMetadata().getName() + "-ca-root";
    }

    static io.fabric8.kubernetes.api.model.Service service(GenericKubernetesResource gw) {
        return new ServiceBuilder().withMetadata(meta(gw)).withNewSpec()
                .withType("ClusterIP")
                .withSelector(Map.of(Labels.GATEWAY_NAME, gw.getMetadata().getName()))
                .withPorts(new ServicePortBuilder().withName("mesh").withPort(HBONE_PORT)
                        .withNewTargetPort(HBONE_PORT).withProtocol("TCP").build())
                .endSpec().build();
    }

    /**
     * The waypoint Deployment. Its arguments are the controller-connected mode of {@code WaypointMain}: the
     * identity is the Gateway's service account, certificates and config come from the controller's TLS port at
     * {@code controllerAddress}, verified as the controller's SPIFFE id against the mesh root
     * ({@link #caRoot}), authenticated with the pod's projected service-account token.
     */
    static Deployment deployment(GenericKubernetesResource gw, WaypointSettings settings, MeshSettings mesh) {
        String name = gw.getMetadata().getName();
        String ns = gw.getMetadata().getNamespace();
        List<String> args = List.of(
                "--controller", settings.controllerAddress(),
                "--controller-root-cert", CA_ROOT_DIR + "/" + CA_ROOT_KEY,
                "--controller-identity", mesh.spiffeUri(mesh.rootNamespace(), "trellis-controller"),
                "--trust-domain", mesh.trustDomain(),
                "--name", name,
                "--namespace", ns,
                "--service-account", name,
                "--bootstrap-token-file", TOKEN_DIR + "/token",
                "--listen", "0.0.0.0:" + HBONE_PORT,
                "--stats", "0.0.0.0:" + STATS_PORT,
                "--readiness", "0.0.0.0:" + READINESS_PORT);
        return new DeploymentBuilder().withMetadata(meta(gw)).withNewSpec()
                .withReplicas(1)
                .withNewSelector().withMatchLabels(Map.of(Labels.GATEWAY_NAME, name)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(gw)).endMetadata()
                .withNewSpec()
                .withServiceAccountName(name)
                .withContainers(new ContainerBuilder().withName("waypoint").withImage(settings.image())
                        .withArgs(args)
                        .withPorts(new ContainerPortBuilder().withName("mesh").withContainerPort(HBONE_PORT).build(),
                                new ContainerPortBuilder().withName("stats").withContainerPort(STATS_PORT).build(),
                                new ContainerPortBuilder().withName("readiness").withContainerPort(READINESS_PORT)
                                        .build())
                        .withNewReadinessProbe().withNewHttpGet().withPath("/healthz/ready")
                        .withNewPort(READINESS_PORT).endHttpGet().endReadinessProbe()
                        .withVolumeMounts(new VolumeMountBuilder().withName("trellis-token").withMountPath(TOKEN_DIR)
                                .withReadOnly(true).build(),
                                new VolumeMountBuilder().withName("ca-root").withMountPath(CA_ROOT_DIR)
                                        .withReadOnly(true).build())
                        .build())
                .withVolumes(new VolumeBuilder().withName("trellis-token").withNewProjected()
                        .addNewSource().withNewServiceAccountToken().withAudience(TOKEN_AUDIENCE)
                        .withExpirationSeconds(3600L).withPath("token").endServiceAccountToken().endSource()
                        .endProjected().build(),
                        new VolumeBuilder().withName("ca-root").withNewConfigMap().withName(caRootName(gw))
                                .endConfigMap().build())
                .endSpec()
                .endTemplate()
                .endSpec().build();
    }

    /** The objects for one Gateway, in creation order. */
    static List<HasMetadata> all(GenericKubernetesResource gw, WaypointSettings settings, MeshSettings mesh,
            String rootPem) {
        return List.of(serviceAccount(gw), caRoot(gw, rootPem), service(gw), deployment(gw, settings, mesh));
    }
}
