package io.trellis.node.proxy;

import io.trellis.node.state.WorkloadInfo;

/** The W3C {@code baggage} the source node-proxy sends on CONNECT: the source workload's metadata. */
final class Baggage {

    private Baggage() {}

    static String of(WorkloadInfo w) {
        StringBuilder b = new StringBuilder(96)
                .append("k8s.namespace.name=").append(w.namespace())
                .append(",k8s.pod.name=").append(w.name())
                .append(",service.name=").append(w.canonicalName());
        if (!w.canonicalRevision().isEmpty()) {
            b.append(",service.version=").append(w.canonicalRevision());
        }
        return b.toString();
    }
}
