package io.trellis.install.agent;

import java.util.Set;

/**
 * Which pods the mesh captures: label {@code trellis.io/dataplane-mode: ambient} on the pod or its namespace,
 * the pod's own label winning ({@code none} opts a pod out of an enrolled namespace); never host-network pods
 * (their netns is the node's) nor pods of excluded namespaces (the mesh's own, kube-system).
 */
public record EnrollmentPolicy(Set<String> excludedNamespaces) {

    public static final String LABEL = "trellis.io/dataplane-mode";
    public static final String AMBIENT = "ambient";

    public EnrollmentPolicy {
        excludedNamespaces = Set.copyOf(excludedNamespaces);
    }

    /** Why a pod is or is not enrolled. */
    public record Decision(boolean enroll, String reason) {}

    public Decision decide(PodFacts pod) {
        if (pod.hostNetwork()) {
            return new Decision(false, "host network pod (its network namespace is the node's)");
        }
        if (excludedNamespaces.contains(pod.namespace())) {
            return new Decision(false, "namespace " + pod.namespace() + " is excluded");
        }
        String podMode = pod.labels().get(LABEL);
        if (podMode != null) {
            return AMBIENT.equals(podMode) ? new Decision(true, "pod label " + LABEL + "=" + AMBIENT)
                    : new Decision(false, "pod label " + LABEL + "=" + podMode);
        }
        String nsMode = pod.namespaceLabels().get(LABEL);
        if (AMBIENT.equals(nsMode)) {
            return new Decision(true, "namespace label " + LABEL + "=" + AMBIENT);
        }
        return new Decision(false, "neither the pod nor namespace " + pod.namespace() + " has " + LABEL + "="
                + AMBIENT);
    }
}
