package io.trellis.node.proxy;

import io.trellis.node.inpod.PodInfo;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loopback node mode's stand-in for enrollment: a laptop has no pods, no network namespaces and usually no root,
 * so the workloads the controller places on this node (Pods whose {@code spec.nodeName} is this node and whose IP is
 * a loopback address) are served on the host's loopback, each on its own address ({@link TrafficPaths#serveOnLoopback}).
 * What the controller says is the whole truth: a workload appearing is served, one disappearing or moving is
 * dropped, with no agent in between.
 *
 * <p>Snapshots arrive on the xDS thread, which must not block; binding does, so one owner thread reconciles. A
 * workload that cannot be served (its address taken, not loopback) is logged and retried on the next snapshot.
 */
public final class LoopbackWorkloads implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackWorkloads.class);

    private record Served(InetAddress address, String identity, AutoCloseable listeners) {}

    private final TrafficPaths paths;
    private final String nodeName;
    private final int socksPort;
    private final ExecutorService owner = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("trellis-loopback-workloads").daemon(true).factory());
    // Owner-thread state.
    private final Map<String, Served> served = new HashMap<>();
    private final Set<String> warned = new HashSet<>();
    private volatile Set<String> addresses = Set.of();

    private LoopbackWorkloads(TrafficPaths paths, String nodeName, int socksPort) {
        this.paths = paths;
        this.nodeName = nodeName;
        this.socksPort = socksPort;
    }

    /** Serves this node's workloads from {@code store}'s snapshots on, starting with the current one. */
    public static LoopbackWorkloads start(TrafficPaths paths, MeshStore store, String nodeName, int socksPort) {
        LoopbackWorkloads w = new LoopbackWorkloads(paths, nodeName, socksPort);
        store.addListener(w::submit);
        w.submit(store.current());
        return w;
    }

    /** The addresses served now ({@code ip} of each workload), for logs and tests. */
    public Set<String> addresses() {
        return addresses;
    }

    private void submit(MeshState state) {
        try {
            owner.execute(() -> reconcile(state));
        } catch (RejectedExecutionException e) {
            // closing: the node-proxy is shutting down
        }
    }

    private void reconcile(MeshState state) {
        Map<String, WorkloadInfo> wanted = new HashMap<>();
        for (WorkloadInfo w : state.workloads().values()) {
            if (!w.node().equals(nodeName) || !w.hbone() || w.addresses().isEmpty()) {
                continue;
            }
            InetAddress address = w.addresses().getFirst();
            if (!address.isLoopbackAddress()) {
                if (warned.add(w.uid())) {
                    LOG.warn("event=loopback_workload_skipped pod={} address={} reason=\"the loopback node mode serves "
                            + "only workloads whose pod IP is a loopback address (127.0.0.0/8)\"", w,
                            address.getHostAddress());
                }
                continue;
            }
            wanted.put(w.uid(), w);
        }
        for (var it = served.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            WorkloadInfo w = wanted.get(e.getKey());
            if (w == null || !w.addresses().getFirst().equals(e.getValue().address())
                    || !w.identity().toString().equals(e.getValue().identity())) {
                close(e.getKey(), e.getValue());
                it.remove();
            }
        }
        for (WorkloadInfo w : wanted.values()) {
            if (served.containsKey(w.uid())) {
                continue;
            }
            InetAddress address = w.addresses().getFirst();
            try {
                AutoCloseable listeners = paths.serveOnLoopback(
                        new PodInfo(w.uid(), w.name(), w.namespace(), w.serviceAccount()), address, socksPort);
                served.put(w.uid(), new Served(address, w.identity().toString(), listeners));
                warned.remove(w.uid());
            } catch (RuntimeException e) {
                if (warned.add(w.uid())) {
                    LOG.warn("event=loopback_workload_failed pod={} address={} error=\"{}\" action=\"retried on the "
                            + "next config change\"", w, address.getHostAddress(), e.getMessage());
                }
            }
        }
        Set<String> now = new TreeSet<>();
        served.values().forEach(s -> now.add(s.address().getHostAddress()));
        if (!now.equals(addresses)) {
            LOG.info("event=loopback_workloads node={} addresses={}", nodeName, now);
        }
        addresses = Set.copyOf(now);
    }

    private static void close(String uid, Served s) {
        try {
            s.listeners().close();
            LOG.info("event=loopback_workload_removed uid={} address={}", uid, s.address().getHostAddress());
        } catch (Exception e) {
            LOG.warn("event=loopback_workload_close_failed uid={} error=\"{}\"", uid, Objects.toString(e.getMessage()));
        }
    }

    /** Closes every workload's listeners, then stops the owner thread. */
    @Override
    public void close() {
        try {
            owner.execute(() -> {
                served.forEach(LoopbackWorkloads::close);
                served.clear();
                addresses = Set.of();
            });
        } catch (RejectedExecutionException e) {
            return;
        }
        owner.shutdown();
        try {
            owner.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
