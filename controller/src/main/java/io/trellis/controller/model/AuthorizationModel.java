package io.trellis.controller.model;

import io.trellis.controller.source.AuthorizationPolicyConfig;

/** An authorization policy with the scope it applies at. */
public record AuthorizationModel(AuthorizationPolicyConfig config, Scope scope) {

    public enum Scope { GLOBAL, NAMESPACE, WORKLOAD_SELECTOR }

    /** {@code <namespace>/<name>}: the xDS resource name. */
    public String key() {
        return config.meta().namespace() + "/" + config.meta().name();
    }
}
