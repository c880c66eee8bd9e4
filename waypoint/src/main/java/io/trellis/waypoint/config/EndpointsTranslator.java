package io.trellis.waypoint.config;

import io.trellis.identity.IdentityException;
import io.trellis.identity.SpiffeId;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import com.google.protobuf.Value;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.EndpointMetadata;
import java.util.HashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates an Envoy v3 {@code ClusterLoadAssignment} (EDS, or a static cluster's
 * {@code load_assignment}) into endpoints. Priorities and locality weights are not implemented
 * and are rejected; {@code locality} and its weight are accepted and have no effect (as in Envoy
 * without locality-weighted balancing). Each endpoint's {@code metadata.filter_metadata["trellis"]}
 * becomes its {@link EndpointMetadata}: the identity to verify and the workload labels to report.
 */
public final class EndpointsTranslator {
  private static final Set<String> ASSIGNMENT = Set.of("cluster_name", "endpoints");
  // A locality's load_balancing_weight only matters with locality-weighted balancing, which Envoy
  // enables separately (common_lb_config); without it Envoy ignores the weight, and so do we.
  private static final Set<String> LOCALITY_ENDPOINTS = Set.of("locality", "lb_endpoints", "load_balancing_weight");
  private static final Set<String> LB_ENDPOINT =
      Set.of("endpoint", "health_status", "load_balancing_weight", "metadata");
  private static final Set<String> ENDPOINT = Set.of("address");
  private static final Set<String> ADDRESS = Set.of("socket_address");
  private static final Set<String> SOCKET_ADDRESS = Set.of("address", "port_value");
  /** The {@code filter_metadata} key of Trellis' endpoint metadata. */
  public static final String METADATA_KEY = "trellis";
  static final String IDENTITY = "identity";
  static final String WORKLOAD = "workload";
  static final String NAMESPACE = "namespace";
  static final String APP = "app";
  static final String VERSION = "version";
  private static final Set<String> METADATA_FIELDS = Set.of(IDENTITY, WORKLOAD, NAMESPACE, APP, VERSION);
  /** Label values end up in metric series; a Kubernetes name or label value is at most 253 characters. */
  private static final int MAX_LABEL_CHARS = 253;

  private EndpointsTranslator() {}

  /**
   * The endpoints of {@code assignment}.
   *
   * @throws XdsNackException listing every unsupported or invalid field
   */
  public static List<Endpoint> translate(ClusterLoadAssignment assignment) throws XdsNackException {
    ValidationErrors errors = new ValidationErrors();
    List<Endpoint> out = translate(assignment, "cluster_load_assignment", errors);
    errors.throwIfAny("ClusterLoadAssignment " + assignment.getClusterName());
    return out;
  }

  static List<Endpoint> translate(ClusterLoadAssignment a, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(a, path, errors, ASSIGNMENT);
    List<Endpoint> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < a.getEndpointsCount(); i++) {
      LocalityLbEndpoints l = a.getEndpoints(i);
      String lpath = ProtoFields.at(path + ".endpoints", i);
      ProtoFields.onlySupported(l, lpath, errors, LOCALITY_ENDPOINTS);
      if (l.hasLoadBalancingWeight() && l.getLoadBalancingWeight().getValue() < 1) {
        errors.add(lpath + ".load_balancing_weight", "must be >= 1");
      }
      for (int j = 0; j < l.getLbEndpointsCount(); j++) {
        LbEndpoint e = l.getLbEndpoints(j);
        String epath = ProtoFields.at(lpath + ".lb_endpoints", j);
        Endpoint endpoint = endpoint(e, epath, errors);
        if (endpoint != null && !seen.add(endpoint.address())) {
          errors.add(epath, "duplicate endpoint " + endpoint.address());
        } else if (endpoint != null) {
          out.add(endpoint);
        }
      }
    }
    return out;
  }

  /**
   * The SPIFFE identity every endpoint of {@code assignment} that names one presents
   * ({@code metadata.filter_metadata["trellis"].identity}), or null when none names one or they
   * differ. Each endpoint is verified against its own identity; this cluster-wide value is what
   * admin pages show and what endpoints without an identity of their own fall back to.
   *
   * @throws XdsNackException when metadata is malformed
   */
  public static @Nullable SpiffeId identity(ClusterLoadAssignment assignment) throws XdsNackException {
    ValidationErrors errors = new ValidationErrors();
    SpiffeId found = null;
    boolean differ = false;
    for (int i = 0; i < assignment.getEndpointsCount(); i++) {
      LocalityLbEndpoints l = assignment.getEndpoints(i);
      for (int j = 0; j < l.getLbEndpointsCount(); j++) {
        String path = ProtoFields.at(ProtoFields.at("cluster_load_assignment.endpoints", i) + ".lb_endpoints", j);
        SpiffeId id = metadata(l.getLbEndpoints(j), path, errors).identity();
        if (id == null) {
          continue;
        }
        if (found == null) {
          found = id;
        } else if (!found.equals(id)) {
          differ = true;
        }
      }
    }
    errors.throwIfAny("ClusterLoadAssignment " + assignment.getClusterName());
    return differ ? null : found;
  }

  /**
   * An endpoint's {@code metadata.filter_metadata["trellis"]}: string fields {@value #IDENTITY} (a
   * SPIFFE id), {@value #WORKLOAD}, {@value #NAMESPACE}, {@value #APP} and {@value #VERSION}. Any
   * other key or field is rejected, so a control plane learns what the waypoint does not use.
   */
  private static EndpointMetadata metadata(LbEndpoint e, String path, ValidationErrors errors) {
    if (!e.hasMetadata()) {
      return EndpointMetadata.NONE;
    }
    String mpath = path + ".metadata";
    ProtoFields.onlySupported(e.getMetadata(), mpath, errors, Set.of("filter_metadata"));
    SpiffeId id = null;
    Map<String, String> labels = new HashMap<>();
    for (var entry : e.getMetadata().getFilterMetadataMap().entrySet()) {
      String fpath = mpath + ".filter_metadata[\"" + entry.getKey() + "\"]";
      if (!entry.getKey().equals(METADATA_KEY)) {
        errors.unsupported(fpath);
        continue;
      }
      for (var field : entry.getValue().getFieldsMap().entrySet()) {
        String name = field.getKey();
        if (!METADATA_FIELDS.contains(name)) {
          errors.unsupported(fpath + "." + name);
          continue;
        }
        if (field.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
          errors.add(fpath + "." + name, "must be a string");
          continue;
        }
        String value = field.getValue().getStringValue();
        if (name.equals(IDENTITY)) {
          try {
            id = SpiffeId.parse(value);
          } catch (IdentityException ex) {
            errors.add(fpath + "." + IDENTITY, ex.getMessage());
          }
        } else if (value.length() > MAX_LABEL_CHARS) {
          errors.add(fpath + "." + name, "longer than " + MAX_LABEL_CHARS + " characters");
        } else {
          labels.put(name, value);
        }
      }
    }
    return new EndpointMetadata(id, labels.getOrDefault(WORKLOAD, ""), labels.getOrDefault(NAMESPACE, ""),
        labels.getOrDefault(APP, ""), labels.getOrDefault(VERSION, ""));
  }

  private static @Nullable Endpoint endpoint(LbEndpoint e, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(e, path, errors, LB_ENDPOINT);
    EndpointMetadata metadata = metadata(e, path, errors);
    if (!e.hasEndpoint() || !e.getEndpoint().hasAddress() || !e.getEndpoint().getAddress().hasSocketAddress()) {
      errors.add(path + ".endpoint.address.socket_address", "is required");
      return null;
    }
    ProtoFields.onlySupported(e.getEndpoint(), path + ".endpoint", errors, ENDPOINT);
    ProtoFields.onlySupported(e.getEndpoint().getAddress(), path + ".endpoint.address", errors, ADDRESS);
    SocketAddress sa = e.getEndpoint().getAddress().getSocketAddress();
    String spath = path + ".endpoint.address.socket_address";
    ProtoFields.onlySupported(sa, spath, errors, SOCKET_ADDRESS);
    if (sa.getAddress().isEmpty() || sa.getPortValue() <= 0 || sa.getPortValue() > 65535) {
      errors.add(spath, "needs an address and a port_value in [1, 65535]");
      return null;
    }
    int weight = e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1;
    if (weight < 1) {
      errors.add(path + ".load_balancing_weight", "must be >= 1");
      return null;
    }
    Endpoint.Health health = switch (e.getHealthStatus()) {
      case UNKNOWN -> Endpoint.Health.UNKNOWN;
      case HEALTHY -> Endpoint.Health.HEALTHY;
      case DRAINING -> Endpoint.Health.DRAINING;
      // No degraded tier: a degraded endpoint is not picked, like an unhealthy one.
      case UNHEALTHY, TIMEOUT, DEGRADED -> Endpoint.Health.UNHEALTHY;
      default -> {
        errors.add(path + ".health_status", "unknown value " + e.getHealthStatusValue());
        yield Endpoint.Health.UNHEALTHY;
      }
    };
    String host = sa.getAddress().contains(":") ? "[" + sa.getAddress() + "]" : sa.getAddress();
    return new Endpoint(host + ":" + sa.getPortValue(), weight, health, metadata);
  }
}
