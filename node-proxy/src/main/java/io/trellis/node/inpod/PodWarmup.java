package io.trellis.node.inpod;

import java.util.concurrent.CompletableFuture;

/**
 * What must be in place before a pod's listeners may take traffic, beyond the listeners themselves: in the node-proxy,
 * the pod's workload certificate. A pod whose listeners opened before it would fail every connection that needs
 * mTLS until the CA answers, which during an upgrade means failures where the old process would have served.
 */
@FunctionalInterface
public interface PodWarmup {

    /** Nothing to wait for. */
    PodWarmup NONE = pod -> CompletableFuture.completedFuture(null);

    /** Starts what {@code pod} needs and completes once it is there (never blocks the caller). */
    CompletableFuture<?> warm(PodInfo pod);
}
