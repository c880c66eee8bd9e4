package io.trellis.proxy.core.admin;

import org.jspecify.annotations.Nullable;

/** Whether the proxy may receive traffic. Read by {@code /healthz/ready} on every probe; must be cheap. */
@FunctionalInterface
public interface Readiness {

    /** Null when ready; otherwise why not, e.g. "waiting for the first workload xDS update". */
    @Nullable String notReadyReason();
}
