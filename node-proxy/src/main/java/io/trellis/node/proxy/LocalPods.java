package io.trellis.node.proxy;

import io.trellis.node.state.WorkloadInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The pods enrolled on this node with their egress, by {@code <namespace>/<name>} (how the mesh state
 * names workloads; the enrollment uid is the Kubernetes uid, which the state does not carry): what the node-wide inbound HBONE handler
 * needs to connect to an application from inside its pod. Written on enrollment (registry thread),
 * read on event loops.
 */
final class LocalPods {

    private final ConcurrentHashMap<String, PodTraffic> byUid = new ConcurrentHashMap<>();

    /** The key of a pod or workload: {@code <namespace>/<name>}. */
    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    void put(PodTraffic pod) {
        byUid.put(key(pod.info().namespace(), pod.info().name()), pod);
    }

    void remove(PodTraffic pod) {
        byUid.remove(key(pod.info().namespace(), pod.info().name()), pod);
    }

    @Nullable PodTraffic get(WorkloadInfo workload) {
        return byUid.get(key(workload.namespace(), workload.name()));
    }

    Map<String, PodTraffic> snapshot() {
        return Map.copyOf(byUid);
    }
}
