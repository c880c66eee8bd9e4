package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels every rendered object carries, and the (immutable) selector labels of each workload. */
final class Labels {

    static final String PART_OF = "trellis";

    private Labels() {}

    static Map<String, String> common() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("app.kubernetes.io/part-of", PART_OF);
        m.put("app.kubernetes.io/managed-by", "trellisctl");
        return m;
    }

    static Map<String, String> component(String name) {
        Map<String, String> m = common();
        m.put("app.kubernetes.io/name", name);
        m.put("app", name);
        return m;
    }

    /** Only {@code app}: a Deployment's or DaemonSet's selector cannot change after creation. */
    static Map<String, String> selector(String name) {
        return Map.of("app", name);
    }

    static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    static EnvVar fieldRef(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path)
                .endFieldRef().endValueFrom().build();
    }
}
