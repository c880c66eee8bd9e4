package io.trellis.waypoint.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.trellis.waypoint.cluster.ClusterState;
import io.trellis.waypoint.lb.LoadBalancer;
import java.util.IdentityHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Each event loop's load balancers, one per cluster state, rebuilt when the cluster's endpoints
 * change. Balancers are single-threaded by design, so every loop owns its own.
 */
final class LoopBalancers {

    private record Entry(long version, LoadBalancer balancer) {}

    private static final FastThreadLocal<IdentityHashMap<ClusterState, Entry>> BY_LOOP = new FastThreadLocal<>() {
        @Override
        protected IdentityHashMap<ClusterState, Entry> initialValue() {
            return new IdentityHashMap<>();
        }
    };

    private LoopBalancers() {}

    /** The calling loop's balancer for {@code cluster}. */
    static LoadBalancer of(ClusterState cluster) {
        IdentityHashMap<ClusterState, Entry> map = BY_LOOP.get();
        Entry e = map.get(cluster);
        long version = cluster.endpointsVersion();
        if (e == null || e.version != version) {
            if (map.size() > 4096) {
                map.clear(); // old snapshots' cluster states: drop rather than pin them forever
            }
            e = new Entry(version, cluster.newLoadBalancer(ThreadLocalRandom.current()));
            map.put(cluster, e);
        }
        return e.balancer;
    }
}
