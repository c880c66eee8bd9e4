package io.trellis.node.inpod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods this node-proxy serves. One owner thread mutates it (commands are queued to
 * it); everyone else reads {@link #snapshot()}, an immutable map swapped in after every
 * change.
 *
 * <p>Replay: every agent connection starts with {@link #beginReplay()}; pods re-added
 * before {@link #completeReplay()} are kept (their listeners stay open, so a restarting
 * agent never interrupts traffic), the rest are removed then.
 */
public final class InPodRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InPodRegistry.class);

    /**
     * A pod as the registry knows it.
     *
     * @param info what the agent told us
     * @param netnsSource where its namespace handle came from
     * @param netnsInode the namespace's inode
     */
    public record EnrolledPod(PodInfo info, String netnsSource, long netnsInode) {}

    private record Entry(PodInfo info, Netns netns, PodListenerHandle listeners) {
        EnrolledPod view() {
            return new EnrolledPod(info, netns.source(), netns.inode());
        }
    }

    private final PodListenerFactory listenerFactory;
    private final PodWarmup warmup;
    private final Duration warmupLimit;
    private final ExecutorService owner;
    // Owner-thread state.
    private final Map<String, Entry> pods = new HashMap<>();
    private @Nullable Set<String> notReplayed;
    private boolean draining;
    private volatile Map<String, EnrolledPod> snapshot = Map.of();

    public InPodRegistry(PodListenerFactory listenerFactory) {
        this(listenerFactory, PodWarmup.NONE, Duration.ZERO);
    }

    /**
     * @param warmup what a pod needs before its listeners open (its certificate); an add waits for it
     * @param warmupLimit how long an add waits for the warmup; after that the listeners open anyway (logged), so a
     *        slow CA delays a pod but never keeps it out of the mesh
     */
    public InPodRegistry(PodListenerFactory listenerFactory, PodWarmup warmup, Duration warmupLimit) {
        this.warmup = warmup;
        this.warmupLimit = warmupLimit;
        this.listenerFactory = listenerFactory;
        this.owner = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("trellis-inpod-registry").daemon(true).factory());
    }

    /** The enrolled pods by uid, as of the last completed change. */
    public Map<String, EnrolledPod> snapshot() {
        return snapshot;
    }

    /**
     * Enrols a pod and opens its listeners; completes once they are up. Takes ownership of
     * {@code netns} (closed here if not kept). Re-adding a uid with the same namespace is a
     * no-op; with a different namespace, the listeners move there.
     */
    public CompletableFuture<Void> add(PodInfo pod, Netns netns) {
        CompletableFuture<?> warm;
        try {
            // Started before the owner thread sees the add, so a certificate fetch overlaps with other pods' work.
            warm = warmup.warm(pod);
        } catch (RuntimeException e) {
            warm = CompletableFuture.failedFuture(e);
        }
        long startNanos = System.nanoTime();
        // Waited for off the owner thread: other pods' commands go on meanwhile.
        // copy(): orTimeout completes the future it is called on, and the warmup's may be shared (one certificate
        // for every pod of a service account).
        return warm.copy().orTimeout(Math.max(1, warmupLimit.toMillis()), TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> failure)
                .thenCompose(failure -> {
                    if (failure != null) {
                        log.warn("event=pod_warmup_incomplete pod={} waited_ms={} problem=\"{}\" (opening its "
                                + "listeners anyway; connections needing its certificate wait for it)", pod,
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), rootMessage(failure));
                    }
                    return onOwner(() -> {
                        addOnOwner(pod, netns);
                        return null;
                    }, netns);
                });
    }

    private static String rootMessage(@Nullable Throwable t) {
        Throwable c = t;
        while (c != null && c.getCause() != null && (c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException)) {
            c = c.getCause();
        }
        return c == null ? "" : c instanceof java.util.concurrent.TimeoutException ? "timed out" : String.valueOf(c);
    }

    private void addOnOwner(PodInfo pod, Netns netns) throws InPodException {
        if (draining) {
            netns.close();
            throw new PodListenerException("AddPod " + pod.uid() + ": this node-proxy is draining for shutdown and "
                    + "opens no listeners; enroll the pod with the node-proxy that replaced it");
        }
        Entry existing = pods.get(pod.uid());
        if (existing != null && existing.netns().inode() == netns.inode()) {
            netns.close();
            pods.put(pod.uid(), new Entry(pod, existing.netns(), existing.listeners()));
            confirm(pod.uid());
            publish();
            log.info("event=pod_readded pod={} netns_inode={}", pod, netns.inode());
            return;
        }
        PodListenerHandle listeners;
        try {
            listeners = listenerFactory.open(pod, netns);
        } catch (InPodException | RuntimeException e) {
            netns.close();
            log.warn("event=pod_enroll_failed pod={} netns={} error=\"{}\"", pod, netns.source(), e.getMessage());
            throw e;
        }
        pods.put(pod.uid(), new Entry(pod, netns, listeners));
        if (existing != null) {
            // The pod got a new namespace (sandbox recreated): the old one's listeners are dead weight.
            release(existing);
        }
        confirm(pod.uid());
        publish();
        log.info("event=pod_enrolled pod={} netns={} netns_inode={} listeners={}",
                pod, netns.source(), netns.inode(), listeners);
    }

    /** Un-enrols a pod, closing its listeners; completes with false for an unknown uid. */
    public CompletableFuture<Boolean> remove(String uid) {
        return onOwner(() -> {
            Entry e = pods.remove(uid);
            if (notReplayed != null) {
                notReplayed.remove(uid);
            }
            if (e == null) {
                return false;
            }
            release(e);
            publish();
            log.info("event=pod_removed pod={}", e.info());
            return true;
        }, null);
    }

    /** A new agent connection: every current pod must be replayed before {@link #completeReplay()}. */
    public CompletableFuture<Void> beginReplay() {
        return onOwner(() -> {
            notReplayed = new HashSet<>(pods.keySet());
            log.info("event=replay_started pods={}", pods.size());
            return null;
        }, null);
    }

    /** Ends a replay: removes every pod that was not re-added; completes with their uids. */
    public CompletableFuture<List<String>> completeReplay() {
        return onOwner(() -> {
            List<String> dropped = new ArrayList<>();
            if (notReplayed != null) {
                for (String uid : notReplayed) {
                    Entry e = pods.remove(uid);
                    if (e != null) {
                        release(e);
                        dropped.add(uid);
                    }
                }
                notReplayed = null;
                publish();
            }
            log.info("event=replay_complete pods={} dropped={}", pods.size(), dropped);
            return List.copyOf(dropped);
        }, null);
    }

    private void confirm(String uid) {
        if (notReplayed != null) {
            notReplayed.remove(uid);
        }
    }

    private static void release(Entry e) {
        try {
            e.listeners().close();
        } finally {
            e.netns().close();
        }
    }

    private void publish() {
        Map<String, EnrolledPod> next = new HashMap<>();
        pods.forEach((uid, e) -> next.put(uid, e.view()));
        snapshot = Map.copyOf(next);
    }

    private <T> CompletableFuture<T> onOwner(Callable<T> command, @Nullable Netns toCloseIfRejected) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            owner.execute(() -> {
                try {
                    result.complete(command.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            if (toCloseIfRejected != null) {
                toCloseIfRejected.close();
            }
            result.completeExceptionally(new IllegalStateException("pod registry is closed: the node-proxy is shutting down"));
        }
        return result;
    }

    /**
     * The first step of a graceful stop: closes every pod's listeners (so a newer node-proxy beside this one gets
     * every new connection; see {@link ListenerMigration} for those already queued) but keeps the pods and their
     * namespace handles, which connections accepted just before still need for their upstream sockets. Later
     * commands still run; {@link #close()} releases the rest after the drain.
     */
    public CompletableFuture<Integer> stopAccepting() {
        return onOwner(() -> {
            draining = true;
            pods.values().forEach(e -> e.listeners().stopAccepting());
            log.info("event=listeners_closed pods={} reason=drain", pods.size());
            return pods.size();
        }, null);
    }

    /** Closes every pod's listeners and namespace handle, then stops the owner thread. */
    @Override
    public void close() {
        CompletableFuture<Void> done = onOwner(() -> {
            pods.values().forEach(InPodRegistry::release);
            pods.clear();
            publish();
            return null;
        }, null);
        owner.shutdown();
        try {
            done.exceptionally(t -> null).get(30, TimeUnit.SECONDS);
            owner.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("event=registry_close_incomplete error=\"{}\"", e.toString());
        }
    }
}
