package io.trellis.node.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The pods enrolled on this node with their egress, by uid: what the node-wide inbound HBONE handler
 * needs to connect to an application from inside its pod. Written on enrollment (registry thread),
 * read on event loops.
 */
final class LocalPods {

    private final ConcurrentHashMap<String, PodTraffic> byUid = new ConcurrentHashMap<>();

    void put(PodTraffic pod) {
        byUid.put(pod.info().uid(), pod);
    }

    void remove(PodTraffic pod) {
        byUid.remove(pod.info().uid(), pod);
    }

    @Nullable PodTraffic get(String uid) {
        return byUid.get(uid);
    }

    Map<String, PodTraffic> snapshot() {
        return Map.copyOf(byUid);
    }
}
