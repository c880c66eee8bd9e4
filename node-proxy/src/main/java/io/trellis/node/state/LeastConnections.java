package io.trellis.node.state;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The endpoint with the fewest open connections from this node-proxy; ties go to a random one so that many
 * proxies starting at once do not all pick the first. Counts are atomics: two loops picking at the same instant
 * may both choose the same endpoint, which is fine for balancing and never blocks.
 */
final class LeastConnections implements LoadBalancer {

    private final ConcurrentHashMap<InetSocketAddress, AtomicInteger> open = new ConcurrentHashMap<>();

    @Override
    public @Nullable Endpoint pick(ServiceEndpoints endpoints) {
        List<Endpoint> list = endpoints.endpoints();
        int n = list.size();
        if (n == 0) {
            return null;
        }
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        Endpoint best = list.get(start);
        int bestCount = count(best);
        for (int i = 1; i < n && bestCount > 0; i++) {
            Endpoint e = list.get((start + i) % n);
            int c = count(e);
            if (c < bestCount) {
                best = e;
                bestCount = c;
            }
        }
        counter(best.address()).incrementAndGet();
        return best;
    }

    @Override
    public void release(Endpoint endpoint) {
        AtomicInteger c = open.get(endpoint.address());
        if (c != null) {
            c.decrementAndGet();
        }
    }

    /** Open connections to an endpoint, as counted here. */
    int openConnections(InetSocketAddress address) {
        AtomicInteger c = open.get(address);
        return c == null ? 0 : c.get();
    }

    private int count(Endpoint e) {
        AtomicInteger c = open.get(e.address());
        return c == null ? 0 : c.get();
    }

    private AtomicInteger counter(InetSocketAddress address) {
        AtomicInteger c = open.get(address);
        return c != null ? c : open.computeIfAbsent(address, a -> new AtomicInteger());
    }
}
