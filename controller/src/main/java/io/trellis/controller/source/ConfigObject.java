package io.trellis.controller.source;

/** A validated Kubernetes-style object from a config source. */
public sealed interface ConfigObject
        permits NamespaceConfig, PodConfig, ServiceConfig, ServiceAccountConfig, GatewayConfig,
                HttpRouteConfig, GrpcRouteConfig, AuthorizationPolicyConfig, ResiliencePolicyConfig {

    ObjectMeta meta();

    /** The Kubernetes kind, e.g. {@code Pod}. */
    String kind();

    /** {@code Kind/namespace/name}: unique within a snapshot. */
    default String id() {
        return kind() + "/" + meta().key();
    }
}
