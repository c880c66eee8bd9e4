package io.trellis.controller.xds;

import io.trellis.api.workload.v1.Nack;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What one proxy stream has of one type URL. Guarded by its {@link ProxyStream}. */
final class TypeState {

    final String typeUrl;
    boolean wildcard;
    final Set<String> names = new HashSet<>();
    /** Version last sent per resource name: the next push sends only what differs from it. */
    final Map<String, String> sent = new HashMap<>();
    /** Version the proxy acknowledged per resource name: what it runs with. */
    final Map<String, String> acked = new HashMap<>();
    /** Responses not yet answered, by nonce, in send order. */
    final Map<String, Pending> inflight = new LinkedHashMap<>();
    /** Snapshot generation {@link #sent} corresponds to; lets a push use the snapshot's own change set. */
    long generation = -1;
    String lastSentNonce = "";
    String lastAckedNonce = "";
    @Nullable Nack lastNack;
    long nacks;

    /**
     * @param versions name to version sent (null version: removed)
     */
    record Pending(Map<String, @Nullable String> versions, long changeNanos) {}

    TypeState(String typeUrl) {
        this.typeUrl = typeUrl;
    }

    boolean wants(String name) {
        return wildcard || names.contains(name);
    }

    int pendingResources() {
        int n = 0;
        for (Map.Entry<String, String> e : sent.entrySet()) {
            if (!e.getValue().equals(acked.get(e.getKey()))) {
                n++;
            }
        }
        return n;
    }
}
