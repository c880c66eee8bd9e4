package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import java.util.List;
import java.util.Map;

/**
 * The per-node parts: the node-proxy DaemonSet and the node agent DaemonSet (CNI plugin installer, CNI
 * request handler, reconciler). Each gets only the privileges its README lists.
 */
final class NodeObjects {

    static final String NODE_PROXY = "trellis-node-proxy";
    static final String NODE_AGENT = "trellis-node-agent";
    /** Host directory shared by the node-proxy (enrollment socket) and the agent (its CNI socket). */
    static final String RUN_DIR = "/var/run/trellis";
    static final String NETNS_DIR = "/var/run/netns";
    static final int METRICS_PORT = 15020;
    /** The mesh root certificate for verifying the controller (key {@code root-cert.pem}). */
    static final String CA_ROOT_CONFIG_MAP = "trellis-ca-root";
    static final String CA_ROOT_DIR = "/etc/trellis/ca-root";
    static final String TOKEN_DIR = "/var/run/secrets/trellis";
    /**
     * Audience of the CA token: the controller's TokenReview asks for exactly this one (TokenReviewAuthenticator
     * .AUDIENCE), so the token is useless against the API server and a default-audience token is refused.
     */
    static final String TOKEN_AUDIENCE = "trellis-controller";
    static final int READINESS_PORT = 15021;

    private NodeObjects() {}

    static List<HasMetadata> nodeProxy(InstallOptions o) {
        Map<String, String> labels = Labels.component(NODE_PROXY);
        return List.of(
                new ServiceAccountBuilder().withNewMetadata().withName(NODE_PROXY).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata().withAutomountServiceAccountToken(false).build(),
                new DaemonSetBuilder().withNewMetadata().withName(NODE_PROXY).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata()
                        .withNewSpec().withNewSelector().withMatchLabels(Labels.selector(NODE_PROXY)).endSelector()
                        // surge: the new node-proxy binds beside the old one (SO_REUSEPORT) before it drains
                        .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                        .endUpdateStrategy()
                        .withNewTemplate().withNewMetadata().withLabels(labels)
                        .addToLabels("trellis.io/dataplane-mode", "none").endMetadata()
                        .withNewSpec().withServiceAccountName(NODE_PROXY).withAutomountServiceAccountToken(false)
                        .withPriorityClassName("system-node-critical").withTolerations(allTaints())
                        .withTerminationGracePeriodSeconds(30L)
                        .withContainers(new ContainerBuilder().withName("node-proxy").withImage(o.image("node-proxy"))
                                .withEnv(Labels.fieldRef("TRELLIS_NODE_NAME", "spec.nodeName"),
                                        Labels.env("TRELLIS_CONTROLLER_ADDRESS",
                                                ControllerObjects.NAME + "." + o.namespace() + ".svc:"
                                                        + ControllerObjects.XDS_TLS_PORT),
                                        Labels.env("TRELLIS_TRUST_DOMAIN", o.trustDomain()),
                                        Labels.env("TRELLIS_ENROLLMENT_SOCKET", RUN_DIR + "/enroll.sock"),
                                        // TLS to the controller, verified against the mesh root (ConfigMap)
                                        Labels.env("TRELLIS_CONTROLLER_ROOT_CERT", CA_ROOT_DIR + "/root-cert.pem"),
                                        // ... and its SPIFFE id: the controller's account in the install namespace
                                        // (its --root-namespace), which need not be trellis-system
                                        Labels.env("TRELLIS_CONTROLLER_IDENTITY", "spiffe://" + o.trustDomain()
                                                + "/ns/" + o.namespace() + "/sa/" + ControllerObjects.NAME),
                                        // the CA's credential: a projected token, checked by TokenReview
                                        Labels.env("TRELLIS_BOOTSTRAP_TOKEN_FILE", TOKEN_DIR + "/token"),
                                        Labels.env("TRELLIS_LOG_LEVEL", o.logLevel()))
                                .addNewPort().withName("http-metrics").withContainerPort(METRICS_PORT)
                                .withProtocol("TCP").endPort()
                                .addNewPort().withName("http-ready").withContainerPort(READINESS_PORT)
                                .withProtocol("TCP").endPort()
                                .withNewReadinessProbe().withNewHttpGet().withPath("/healthz/ready")
                                .withPort(new IntOrString(READINESS_PORT)).endHttpGet().withPeriodSeconds(2)
                                .endReadinessProbe()
                                .withResources(o.nodeProxy().toModel())
                                .withNewSecurityContext().withPrivileged(false).withAllowPrivilegeEscalation(false)
                                .withRunAsUser(0L).withRunAsNonRoot(false)
                                // SYS_ADMIN: setns(2) into pod netns; NET_ADMIN: SO_MARK and IP_TRANSPARENT
                                .withNewCapabilities().withDrop("ALL").withAdd("NET_ADMIN", "SYS_ADMIN")
                                .endCapabilities().withNewSeccompProfile().withType("RuntimeDefault")
                                .endSeccompProfile().endSecurityContext()
                                .withVolumeMounts(mount("trellis-run", RUN_DIR, false, null),
                                        mount("netns", NETNS_DIR, true, "HostToContainer"),
                                        mount("ca-root", CA_ROOT_DIR, true, null),
                                        mount("ca-token", TOKEN_DIR, true, null))
                                .build())
                        .withVolumes(hostPath("trellis-run", RUN_DIR), hostPath("netns", NETNS_DIR),
                                // the root certificate only (never the CA key): created by the operator from
                                // `trellis ca init` output, like Secret trellis-ca for the controller
                                new VolumeBuilder().withName("ca-root").withNewConfigMap().withName(CA_ROOT_CONFIG_MAP)
                                        .endConfigMap().build(),
                                // short-lived, pod-bound (the API server adds the node name the CA authorizes by);
                                // the kubelet rotates it and the node-proxy re-reads it for every request
                                new VolumeBuilder().withName("ca-token").withNewProjected().addNewSource()
                                        .withNewServiceAccountToken().withAudience(TOKEN_AUDIENCE).withPath("token")
                                        .withExpirationSeconds(3600L)
                                        .endServiceAccountToken().endSource().endProjected().build())
                        .endSpec().endTemplate().endSpec().build());
    }

    static List<HasMetadata> nodeAgent(InstallOptions o) {
        Map<String, String> labels = Labels.component(NODE_AGENT);
        return List.of(
                new ServiceAccountBuilder().withNewMetadata().withName(NODE_AGENT).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata().build(),
                new ClusterRoleBuilder().withNewMetadata().withName(NODE_AGENT).withLabels(labels).endMetadata()
                        // the reconciler's informers (pods of its node, namespaces for the enrollment label)
                        .addNewRule().withApiGroups("").withResources("pods", "namespaces")
                        .withVerbs("get", "list", "watch").endRule().build(),
                new ClusterRoleBindingBuilder().withNewMetadata().withName(NODE_AGENT).withLabels(labels).endMetadata()
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName(NODE_AGENT).endRoleRef()
                        .addNewSubject().withKind("ServiceAccount").withName(NODE_AGENT).withNamespace(o.namespace())
                        .endSubject().build(),
                new DaemonSetBuilder().withNewMetadata().withName(NODE_AGENT).withNamespace(o.namespace())
                        .withLabels(labels).endMetadata()
                        .withNewSpec().withNewSelector().withMatchLabels(Labels.selector(NODE_AGENT)).endSelector()
                        .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endUpdateStrategy()
                        .withNewTemplate().withNewMetadata().withLabels(labels)
                        .addToLabels("trellis.io/dataplane-mode", "none").endMetadata()
                        .withNewSpec().withServiceAccountName(NODE_AGENT)
                        // host network: the agent must run before (and without) any pod network, since every
                        // pod's CNI ADD waits for it; host PID: reconciliation finds pod netns under /proc
                        .withHostNetwork(true).withDnsPolicy("ClusterFirstWithHostNet").withHostPID(true)
                        .withPriorityClassName("system-node-critical").withTolerations(allTaints())
                        .withContainers(new ContainerBuilder().withName("node-agent").withImage(o.image("node-agent"))
                                .withArgs("--node-name", "$(TRELLIS_NODE_NAME)",
                                        "--cni-bin-dir", "/host" + o.cniBinDir(),
                                        "--cni-conf-dir", "/host" + o.cniConfDir(),
                                        "--socket", RUN_DIR + "/cni.sock",
                                        "--enrollment-socket", RUN_DIR + "/enroll.sock",
                                        "--exclude-namespaces", "kube-system," + o.namespace())
                                .withEnv(Labels.fieldRef("TRELLIS_NODE_NAME", "spec.nodeName"),
                                        Labels.env("TRELLIS_LOG_LEVEL", o.logLevel()))
                                .withResources(o.nodeAgent().toModel())
                                .withNewSecurityContext().withPrivileged(false).withAllowPrivilegeEscalation(false)
                                .withRunAsUser(0L).withRunAsNonRoot(false)
                                // NET_ADMIN + NET_RAW: iptables in pod netns; SYS_ADMIN: setns (nsenter);
                                // SYS_PTRACE: open /proc/<pid>/ns/net of other users' processes
                                .withNewCapabilities().withDrop("ALL")
                                .withAdd("NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE").endCapabilities()
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                                .endSecurityContext()
                                .withVolumeMounts(mount("cni-bin", "/host" + o.cniBinDir(), false, null),
                                        mount("cni-conf", "/host" + o.cniConfDir(), false, null),
                                        mount("trellis-run", RUN_DIR, false, null),
                                        mount("netns", NETNS_DIR, true, "HostToContainer"))
                                .build())
                        .withVolumes(hostPath("cni-bin", o.cniBinDir()), hostPath("cni-conf", o.cniConfDir()),
                                hostPath("trellis-run", RUN_DIR), hostPath("netns", NETNS_DIR))
                        .endSpec().endTemplate().endSpec().build());
    }

    /** One toleration with operator Exists and no key tolerates every taint: a node never lacks its proxy. */
    private static Toleration allTaints() {
        return new TolerationBuilder().withOperator("Exists").build();
    }

    private static Volume hostPath(String name, String path) {
        return new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType("DirectoryOrCreate")
                .endHostPath().build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly, String propagation) {
        VolumeMountBuilder b = new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly);
        if (propagation != null) {
            b.withMountPropagation(propagation);
        }
        return b.build();
    }
}
