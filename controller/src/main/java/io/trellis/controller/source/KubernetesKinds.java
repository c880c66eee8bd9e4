package io.trellis.controller.source;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import java.util.List;

/** The API resources Kubernetes mode watches: the same kinds the YAML directory accepts. */
public final class KubernetesKinds {

    private KubernetesKinds() {}

    private static CustomResourceDefinitionContext kind(String group, String version, String kind, String plural,
                                                        boolean namespaced, boolean status) {
        return new CustomResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withName(group.isEmpty() ? plural : plural + "." + group)
                .withScope(namespaced ? "Namespaced" : "Cluster").withStatusSubresource(status).build();
    }

    public static final List<CustomResourceDefinitionContext> ALL = List.of(
            kind("", "v1", "Namespace", "namespaces", false, false),
            kind("", "v1", "Pod", "pods", true, false),
            kind("", "v1", "Service", "services", true, false),
            kind("", "v1", "ServiceAccount", "serviceaccounts", true, false),
            kind("gateway.networking.k8s.io", "v1", "Gateway", "gateways", true, true),
            kind("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes", true, true),
            kind("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes", true, true),
            kind("trellis.io", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", true, true),
            kind("trellis.io", "v1alpha1", "ResiliencePolicy", "resiliencepolicies", true, true));

    /** The project's own kinds: the controller owns their status. */
    static boolean ownsStatus(CustomResourceDefinitionContext kind) {
        return kind.getGroup().equals("trellis.io");
    }
}
