package io.trellis.controller.source;

import java.util.Map;

/**
 * Identity and labels of a config object.
 *
 * @param namespace {@code ""} for cluster-scoped kinds (Namespace)
 * @param uid       {@code metadata.uid}, or {@code ""} when the YAML has none
 */
public record ObjectMeta(String name, String namespace, Map<String, String> labels, String uid) {

    public ObjectMeta {
        labels = Map.copyOf(labels);
    }

    /** {@code namespace/name}, or just the name for cluster-scoped objects. */
    public String key() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
