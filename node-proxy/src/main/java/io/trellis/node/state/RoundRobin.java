package io.trellis.node.state;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Each service port's endpoints in turn. One atomic counter per service port, kept across snapshots. */
final class RoundRobin implements LoadBalancer {

    private final ConcurrentHashMap<String, AtomicInteger> cursors = new ConcurrentHashMap<>();

    @Override
    public @Nullable Endpoint pick(ServiceEndpoints endpoints) {
        List<Endpoint> list = endpoints.endpoints();
        if (list.isEmpty()) {
            return null;
        }
        AtomicInteger cursor = cursors.get(endpoints.key());
        if (cursor == null) {
            cursor = cursors.computeIfAbsent(endpoints.key(), k -> new AtomicInteger());
        }
        return list.get(Math.floorMod(cursor.getAndIncrement(), list.size()));
    }

    @Override
    public void release(Endpoint endpoint) {
        // nothing to count
    }
}
