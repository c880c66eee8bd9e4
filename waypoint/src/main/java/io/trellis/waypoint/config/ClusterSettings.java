package io.trellis.waypoint.config;

import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.LbPolicy;
import io.trellis.waypoint.resilience.CircuitBreakerThresholds;
import io.trellis.waypoint.resilience.OutlierDetectionConfig;
import io.trellis.waypoint.resilience.RetryBudgetConfig;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything the data path needs to know about one upstream cluster (from CDS).
 *
 * @param name the cluster name routes refer to
 * @param lbPolicy how endpoints are picked
 * @param circuitBreakers the default-priority thresholds
 * @param outlierDetection consecutive-error ejection, or null if disabled
 * @param retryBudget the sliding-window retry budget (GEP-3388 style), or null if none
 * @param connectTimeout the upstream connect timeout (Envoy default 5 s)
 * @param edsServiceName the name to request endpoints under over EDS, or null for a static cluster
 * @param staticEndpoints the endpoints of a static cluster ({@code load_assignment}); empty for EDS
 */
public record ClusterSettings(
    String name,
    LbPolicy lbPolicy,
    CircuitBreakerThresholds circuitBreakers,
    @Nullable OutlierDetectionConfig outlierDetection,
    @Nullable RetryBudgetConfig retryBudget,
    Duration connectTimeout,
    @Nullable String edsServiceName,
    List<Endpoint> staticEndpoints) {

  /** Envoy's default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Makes an immutable copy. */
  public ClusterSettings {
    staticEndpoints = List.copyOf(staticEndpoints);
  }
}
