package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests and limits of one container, as Kubernetes quantities (e.g. {@code 100m}, {@code 256Mi}).
 * No CPU limit on purpose: throttling a proxy adds latency to every connection it carries.
 */
public record ResourceSettings(String cpuRequest, String memoryRequest, String memoryLimit) {

    public ResourceSettings {
        for (String q : new String[] {cpuRequest, memoryRequest, memoryLimit}) {
            try {
                Quantity.getAmountInBytes(new Quantity(q));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + q + "' is not a Kubernetes quantity (e.g. 100m, 256Mi)", e);
            }
        }
    }

    ResourceRequirements toModel() {
        return new ResourceRequirementsBuilder()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity(cpuRequest), "memory", new Quantity(memoryRequest))))
                .withLimits(Map.of("memory", new Quantity(memoryLimit)))
                .build();
    }
}
