package io.trellis.controller.source;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code trellis.io/v1alpha1 ResiliencePolicy}: what the Gateway API lacks, attached like a Gateway API
 * policy through {@code targetRefs} (Services). Each part is null when not configured.
 */
public record ResiliencePolicyConfig(ObjectMeta meta, List<ParentRef> targetRefs, @Nullable RetryBudget retryBudget,
                                     @Nullable CircuitBreaker circuitBreaker,
                                     @Nullable OutlierDetection outlierDetection) implements ConfigObject {

    public ResiliencePolicyConfig {
        targetRefs = List.copyOf(targetRefs);
    }

    @Override
    public String kind() {
        return "ResiliencePolicy";
    }

    /** Retries may add at most {@code percent} % of active requests, but always {@code minRetryConcurrency}. */
    public record RetryBudget(double percent, int minRetryConcurrency) {}

    public record CircuitBreaker(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {}

    public record OutlierDetection(int consecutive5xx, Duration interval, Duration baseEjectionTime,
                                   int maxEjectionPercent) {}
}
