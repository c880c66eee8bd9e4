package io.trellis.controller.source;

import java.util.Map;

/**
 * Identity and labels of a config object.
 *
 * @param namespace {@code ""} for cluster-scoped kinds (Namespace)
 */
public record ObjectMeta(String name, String namespace, Map<String, String> labels) {

    public ObjectMeta {
        labels = Map.copyOf(labels);
    }

    /** {@code namespace/name}, or just the name for cluster-scoped objects. */
    public String key() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
