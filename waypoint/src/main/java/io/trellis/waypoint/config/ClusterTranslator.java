package io.trellis.waypoint.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.LbPolicy;
import io.trellis.waypoint.resilience.CircuitBreakerThresholds;
import io.trellis.waypoint.resilience.OutlierDetectionConfig;
import io.trellis.waypoint.resilience.RetryBudgetConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates an Envoy v3 {@code Cluster} (CDS) into {@link ClusterSettings}, or rejects it with
 * every unsupported or invalid field named.
 *
 * <p>The sliding-window retry budget of Gateway API GEP-3388 has no Envoy field, so it travels in
 * the cluster's metadata: {@code metadata.filter_metadata["trellis.io/retry_budget"]} with numeric
 * {@code percent}, {@code window_seconds} and {@code min_retries_per_second}. Envoy's own
 * {@code circuit_breakers.thresholds[].retry_budget} (concurrent retries) is supported too.
 */
public final class ClusterTranslator {
  /** The metadata namespace of the sliding-window retry budget. */
  public static final String RETRY_BUDGET_METADATA = "trellis.io/retry_budget";

  private static final String ROOT = "cluster";
  private static final Set<String> CLUSTER = Set.of(
      "name", "type", "eds_cluster_config", "connect_timeout", "lb_policy", "least_request_lb_config",
      "ring_hash_lb_config", "circuit_breakers", "outlier_detection", "load_assignment", "metadata");
  private static final Set<String> EDS_CONFIG = Set.of("service_name", "eds_config");
  private static final Set<String> CONFIG_SOURCE = Set.of("ads", "resource_api_version");
  private static final Set<String> LEAST_REQUEST = Set.of("choice_count");
  private static final Set<String> RING_HASH = Set.of("minimum_ring_size", "maximum_ring_size", "hash_function");
  private static final Set<String> BREAKERS = Set.of("thresholds");
  private static final Set<String> THRESHOLDS = Set.of(
      "priority", "max_connections", "max_pending_requests", "max_requests", "max_retries", "retry_budget");
  private static final Set<String> RETRY_BUDGET = Set.of("budget_percent", "min_retry_concurrency");
  private static final Set<String> OUTLIER = Set.of(
      "consecutive_5xx", "interval", "base_ejection_time", "max_ejection_percent", "enforcing_consecutive_5xx",
      "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure", "max_ejection_time");
  private static final Set<String> METADATA = Set.of("filter_metadata");
  private static final Set<String> BUDGET_KEYS = Set.of("percent", "window_seconds", "min_retries_per_second");

  private ClusterTranslator() {}

  /**
   * The settings for {@code cluster}.
   *
   * @throws XdsNackException listing every unsupported or invalid field
   */
  public static ClusterSettings translate(Cluster cluster) throws XdsNackException {
    ValidationErrors errors = new ValidationErrors();
    ProtoFields.onlySupported(cluster, ROOT, errors, CLUSTER);
    if (cluster.getName().isEmpty()) {
      errors.add(ROOT + ".name", "must not be empty");
    }
    String edsName = null;
    List<Endpoint> endpoints = List.of();
    switch (cluster.getType()) {
      case EDS -> {
        edsName = cluster.getName();
        if (cluster.hasEdsClusterConfig()) {
          edsName = edsConfig(cluster.getEdsClusterConfig(), cluster.getName(), errors);
        }
        if (cluster.hasLoadAssignment()) {
          errors.add(ROOT + ".load_assignment", "not allowed with type EDS");
        }
      }
      case STATIC -> {
        if (cluster.hasEdsClusterConfig()) {
          errors.add(ROOT + ".eds_cluster_config", "only allowed with type EDS");
        }
        endpoints = EndpointsTranslator.translate(cluster.getLoadAssignment(), ROOT + ".load_assignment", errors);
      }
      default -> errors.add(ROOT + ".type", cluster.getType() + " not supported (use EDS or STATIC)");
    }
    Duration connect = ClusterSettings.DEFAULT_CONNECT_TIMEOUT;
    if (cluster.hasConnectTimeout()) {
      connect = ProtoFields.duration(cluster.getConnectTimeout(), ROOT + ".connect_timeout", errors);
      if (connect != null && connect.isZero()) {
        errors.add(ROOT + ".connect_timeout", "must be > 0");
      }
    }
    LbPolicy lb = lbPolicy(cluster, errors);
    CircuitBreakerThresholds breakers = cluster.hasCircuitBreakers()
        ? breakers(cluster.getCircuitBreakers(), ROOT + ".circuit_breakers", errors) : CircuitBreakerThresholds.DEFAULT;
    OutlierDetectionConfig outlier = cluster.hasOutlierDetection()
        ? outlier(cluster.getOutlierDetection(), ROOT + ".outlier_detection", errors) : null;
    RetryBudgetConfig budget = cluster.hasMetadata() ? retryBudget(cluster, errors) : null;
    errors.throwIfAny("Cluster " + cluster.getName());
    return new ClusterSettings(cluster.getName(), lb, breakers, outlier, budget, connect, edsName, endpoints);
  }

  private static String edsConfig(Cluster.EdsClusterConfig eds, String clusterName, ValidationErrors errors) {
    String path = ROOT + ".eds_cluster_config";
    ProtoFields.onlySupported(eds, path, errors, EDS_CONFIG);
    if (eds.hasEdsConfig()) {
      ProtoFields.onlySupported(eds.getEdsConfig(), path + ".eds_config", errors, CONFIG_SOURCE);
      if (!eds.getEdsConfig().hasAds()) {
        errors.add(path + ".eds_config", "only ads is supported (endpoints come over the same ADS stream)");
      }
    }
    return eds.getServiceName().isEmpty() ? clusterName : eds.getServiceName();
  }

  private static @Nullable LbPolicy lbPolicy(Cluster c, ValidationErrors errors) {
    if (c.hasLeastRequestLbConfig() && c.getLbPolicy() != Cluster.LbPolicy.LEAST_REQUEST) {
      errors.add(ROOT + ".least_request_lb_config", "only allowed with lb_policy LEAST_REQUEST");
    }
    if (c.hasRingHashLbConfig() && c.getLbPolicy() != Cluster.LbPolicy.RING_HASH) {
      errors.add(ROOT + ".ring_hash_lb_config", "only allowed with lb_policy RING_HASH");
    }
    switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> {
        return new LbPolicy.RoundRobin();
      }
      case LEAST_REQUEST -> {
        int choices = 2;
        if (c.hasLeastRequestLbConfig()) {
          ProtoFields.onlySupported(c.getLeastRequestLbConfig(), ROOT + ".least_request_lb_config", errors, LEAST_REQUEST);
          if (c.getLeastRequestLbConfig().hasChoiceCount()) {
            choices = c.getLeastRequestLbConfig().getChoiceCount().getValue();
          }
        }
        if (choices < 2) {
          errors.add(ROOT + ".least_request_lb_config.choice_count", "must be >= 2, got " + choices);
          return null;
        }
        return new LbPolicy.LeastRequest(choices);
      }
      case RING_HASH -> {
        return ringHash(c, errors);
      }
      default -> {
        errors.add(ROOT + ".lb_policy", c.getLbPolicy() + " not supported (use ROUND_ROBIN, LEAST_REQUEST or RING_HASH)");
        return null;
      }
    }
  }

  private static @Nullable LbPolicy ringHash(Cluster c, ValidationErrors errors) {
    long min = LbPolicy.RingHash.DEFAULT.minimumRingSize();
    long max = LbPolicy.RingHash.DEFAULT.maximumRingSize();
    if (c.hasRingHashLbConfig()) {
      var cfg = c.getRingHashLbConfig();
      String path = ROOT + ".ring_hash_lb_config";
      ProtoFields.onlySupported(cfg, path, errors, RING_HASH);
      if (cfg.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
        errors.add(path + ".hash_function", cfg.getHashFunction() + " not supported");
      }
      if (cfg.hasMinimumRingSize()) {
        min = cfg.getMinimumRingSize().getValue();
      }
      if (cfg.hasMaximumRingSize()) {
        max = cfg.getMaximumRingSize().getValue();
      }
      if (min < 1 || max < min || max > LbPolicy.RingHash.DEFAULT.maximumRingSize()) {
        errors.add(path, "needs 1 <= minimum_ring_size <= maximum_ring_size <= 8388608, got " + min + ", " + max);
        return null;
      }
    }
    return new LbPolicy.RingHash((int) min, (int) max);
  }

  private static CircuitBreakerThresholds breakers(CircuitBreakers cb, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(cb, path, errors, BREAKERS);
    CircuitBreakerThresholds out = CircuitBreakerThresholds.DEFAULT;
    for (int i = 0; i < cb.getThresholdsCount(); i++) {
      CircuitBreakers.Thresholds t = cb.getThresholds(i);
      String tpath = ProtoFields.at(path + ".thresholds", i);
      ProtoFields.onlySupported(t, tpath, errors, THRESHOLDS);
      if (t.getPriority() != RoutingPriority.DEFAULT) {
        errors.add(tpath + ".priority", t.getPriority() + " not supported (only DEFAULT)");
        continue;
      }
      CircuitBreakerThresholds d = CircuitBreakerThresholds.DEFAULT;
      CircuitBreakerThresholds.ConcurrencyRetryBudget budget = null;
      if (t.hasRetryBudget()) {
        var rb = t.getRetryBudget();
        ProtoFields.onlySupported(rb, tpath + ".retry_budget", errors, RETRY_BUDGET);
        double percent = rb.hasBudgetPercent() ? rb.getBudgetPercent().getValue() : 20.0;
        int min = rb.hasMinRetryConcurrency() ? rb.getMinRetryConcurrency().getValue() : 3;
        if (!(percent >= 0 && percent <= 100) || min < 0) {
          errors.add(tpath + ".retry_budget", "budget_percent must be in [0, 100] and min_retry_concurrency >= 0");
        } else {
          budget = new CircuitBreakerThresholds.ConcurrencyRetryBudget(percent, min);
        }
      }
      out = new CircuitBreakerThresholds(
          limit(t.hasMaxConnections(), t.getMaxConnections().getValue(), d.maxConnections(), tpath + ".max_connections", errors),
          limit(t.hasMaxPendingRequests(), t.getMaxPendingRequests().getValue(), d.maxPendingRequests(), tpath + ".max_pending_requests", errors),
          limit(t.hasMaxRequests(), t.getMaxRequests().getValue(), d.maxRequests(), tpath + ".max_requests", errors),
          limit(t.hasMaxRetries(), t.getMaxRetries().getValue(), d.maxRetries(), tpath + ".max_retries", errors),
          budget);
    }
    return out;
  }

  private static int limit(boolean set, int value, int dflt, String path, ValidationErrors errors) {
    if (!set) {
      return dflt;
    }
    if (value < 0) { // a uint32 above Integer.MAX_VALUE arrives negative in Java
      errors.add(path, "must be <= " + Integer.MAX_VALUE);
      return dflt;
    }
    return value;
  }

  private static @Nullable OutlierDetectionConfig outlier(OutlierDetection o, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(o, path, errors, OUTLIER);
    OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULT;
    Duration interval = o.hasInterval() ? ProtoFields.duration(o.getInterval(), path + ".interval", errors) : d.interval();
    Duration base = o.hasBaseEjectionTime() ? ProtoFields.duration(o.getBaseEjectionTime(), path + ".base_ejection_time", errors) : d.baseEjectionTime();
    Duration max = o.hasMaxEjectionTime() ? ProtoFields.duration(o.getMaxEjectionTime(), path + ".max_ejection_time", errors) : d.maxEjectionTime();
    if (interval == null || base == null || max == null) {
      return null;
    }
    try {
      return new OutlierDetectionConfig(
          o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue() : d.consecutive5xx(),
          o.hasEnforcingConsecutive5Xx() ? o.getEnforcingConsecutive5Xx().getValue() : d.enforcingConsecutive5xx(),
          o.hasConsecutiveGatewayFailure() ? o.getConsecutiveGatewayFailure().getValue() : d.consecutiveGatewayFailure(),
          o.hasEnforcingConsecutiveGatewayFailure()
              ? o.getEnforcingConsecutiveGatewayFailure().getValue() : d.enforcingConsecutiveGatewayFailure(),
          interval, base, max,
          o.hasMaxEjectionPercent() ? o.getMaxEjectionPercent().getValue() : d.maxEjectionPercent());
    } catch (IllegalArgumentException e) {
      errors.add(path, e.getMessage());
      return null;
    }
  }

  private static @Nullable RetryBudgetConfig retryBudget(Cluster c, ValidationErrors errors) {
    String path = ROOT + ".metadata";
    ProtoFields.onlySupported(c.getMetadata(), path, errors, METADATA);
    RetryBudgetConfig out = null;
    for (Map.Entry<String, Struct> e : c.getMetadata().getFilterMetadataMap().entrySet()) {
      String mpath = path + ".filter_metadata[\"" + e.getKey() + "\"]";
      if (!e.getKey().equals(RETRY_BUDGET_METADATA)) {
        errors.add(mpath, "not supported (only " + RETRY_BUDGET_METADATA + ")");
        continue;
      }
      Map<String, Value> f = e.getValue().getFieldsMap();
      for (String k : f.keySet()) {
        if (!BUDGET_KEYS.contains(k)) {
          errors.add(mpath + "." + k, "not supported (use percent, window_seconds, min_retries_per_second)");
        }
      }
      RetryBudgetConfig d = RetryBudgetConfig.DEFAULT;
      Double percent = number(f, "percent", d.percent(), mpath, errors);
      Double window = number(f, "window_seconds", d.window().toSeconds(), mpath, errors);
      Double min = number(f, "min_retries_per_second", d.minRetriesPerSecond(), mpath, errors);
      if (percent == null || window == null || min == null) {
        continue;
      }
      try {
        out = new RetryBudgetConfig(percent, Duration.ofMillis(Math.round(window * 1000)), (int) Math.round(min));
      } catch (IllegalArgumentException ex) {
        errors.add(mpath, ex.getMessage());
      }
    }
    return out;
  }

  private static @Nullable Double number(Map<String, Value> fields, String key, double dflt, String path, ValidationErrors errors) {
    Value v = fields.get(key);
    if (v == null) {
      return dflt;
    }
    if (v.getKindCase() != Value.KindCase.NUMBER_VALUE || !Double.isFinite(v.getNumberValue())) {
      errors.add(path + "." + key, "must be a number");
      return null;
    }
    return v.getNumberValue();
  }
}
