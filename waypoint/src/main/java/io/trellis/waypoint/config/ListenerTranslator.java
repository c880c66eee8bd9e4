package io.trellis.waypoint.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * Translates the Envoy v3 {@code Listener} the controller publishes for a service port bound to this
 * waypoint: an API listener whose HTTP connection manager takes its routes from RDS, with
 * {@code address} = the service VIP and port and {@code metadata.filter_metadata["trellis"]} holding
 * {@code hostname}, {@code namespace}, {@code app_protocol} and {@code authorization_policies}
 * ({@link AuthorizationPolicyTranslator}). Anything else is rejected with its field path.
 */
public final class ListenerTranslator {
  private static final Set<String> LISTENER = Set.of("name", "address", "api_listener", "metadata");
  private static final Set<String> HCM = Set.of("stat_prefix", "rds", "http_filters");
  private static final Set<String> RDS = Set.of("config_source", "route_config_name");
  private static final Set<String> FILTER = Set.of("name", "typed_config");
  private static final Set<String> METADATA = Set.of("hostname", "namespace", "app_protocol", "authorization_policies");
  private static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  private ListenerTranslator() {}

  /**
   * A service port bound to the waypoint.
   *
   * @param hostname the service's host name
   * @param namespace the service's namespace
   * @param vip the address HBONE clients name in {@code :authority}
   * @param appProtocol the port's appProtocol ({@code http}, {@code http2}, {@code grpc}, ...)
   * @param routeConfig the RDS RouteConfiguration name
   * @param policies L7 authorization policies for this service
   */
  public record BoundPort(String hostname, String namespace, InetSocketAddress vip, String appProtocol,
      String routeConfig, List<AuthorizationPolicy> policies) {
    /** Makes an immutable copy. */
    public BoundPort {
      policies = List.copyOf(policies);
    }
  }

  /**
   * The bound service port {@code listener} describes.
   *
   * @throws XdsNackException listing every unsupported or invalid field
   */
  public static BoundPort translate(Listener listener) throws XdsNackException {
    ValidationErrors errors = new ValidationErrors();
    String path = "listener";
    ProtoFields.onlySupported(listener, path, errors, LISTENER);
    InetSocketAddress vip = vip(listener, path + ".address", errors);
    String routeConfig = routeConfig(listener, path + ".api_listener.api_listener", errors);
    String mpath = path + ".metadata.filter_metadata[\"trellis\"]";
    Struct meta = listener.getMetadata().getFilterMetadataMap().get("trellis");
    ProtoFields.onlySupported(listener.getMetadata(), path + ".metadata", errors, Set.of("filter_metadata"));
    for (String key : listener.getMetadata().getFilterMetadataMap().keySet()) {
      if (!key.equals("trellis")) {
        errors.unsupported(path + ".metadata.filter_metadata[\"" + key + "\"]");
      }
    }
    String hostname = "";
    String namespace = "";
    String appProtocol = "http";
    List<AuthorizationPolicy> policies = List.of();
    if (meta == null) {
      errors.add(mpath, "is required (hostname, namespace of the bound service)");
    } else {
      for (String key : meta.getFieldsMap().keySet()) {
        if (!METADATA.contains(key)) {
          errors.unsupported(mpath + "." + key);
        }
      }
      hostname = string(meta, "hostname", mpath, errors, true);
      namespace = string(meta, "namespace", mpath, errors, true);
      String ap = string(meta, "app_protocol", mpath, errors, false);
      appProtocol = ap.isEmpty() ? "http" : ap;
      Value p = meta.getFieldsMap().get("authorization_policies");
      if (p != null) {
        policies = AuthorizationPolicyTranslator.policies(p, mpath + ".authorization_policies", errors);
      }
    }
    errors.throwIfAny("Listener " + listener.getName());
    return new BoundPort(hostname, namespace, vip, appProtocol, routeConfig, policies);
  }

  private static InetSocketAddress vip(Listener l, String path, ValidationErrors errors) {
    InetSocketAddress none = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
    if (!l.hasAddress() || !l.getAddress().hasSocketAddress()) {
      errors.add(path + ".socket_address", "is required: the service VIP and port HBONE clients connect to");
      return none;
    }
    ProtoFields.onlySupported(l.getAddress(), path, errors, Set.of("socket_address"));
    SocketAddress sa = l.getAddress().getSocketAddress();
    ProtoFields.onlySupported(sa, path + ".socket_address", errors, Set.of("address", "port_value"));
    if (!isLiteralIp(sa.getAddress()) || sa.getPortValue() < 1 || sa.getPortValue() > 65535) {
      errors.add(path + ".socket_address", "needs a literal IP address and a port_value in [1, 65535], got '"
          + sa.getAddress() + "':" + sa.getPortValue());
      return none;
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(sa.getAddress()), sa.getPortValue());
    } catch (java.net.UnknownHostException e) {
      errors.add(path + ".socket_address.address", "not an IP address: " + sa.getAddress());
      return none;
    }
  }

  private static boolean isLiteralIp(String s) {
    return !s.isEmpty() && (s.contains(":") || s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')));
  }

  private static String routeConfig(Listener l, String path, ValidationErrors errors) {
    if (!l.hasApiListener() || !l.getApiListener().hasApiListener()) {
      errors.add(path, "is required: an HttpConnectionManager with RDS");
      return "";
    }
    Any any = l.getApiListener().getApiListener();
    if (!any.getTypeUrl().equals(HCM_TYPE)) {
      errors.add(path, "must be an HttpConnectionManager, got " + any.getTypeUrl());
      return "";
    }
    HttpConnectionManager hcm;
    try {
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      errors.add(path, "malformed HttpConnectionManager: " + e.getMessage());
      return "";
    }
    ProtoFields.onlySupported(hcm, path, errors, HCM);
    if (!hcm.hasRds() || hcm.getRds().getRouteConfigName().isEmpty()) {
      errors.add(path + ".rds.route_config_name", "is required (inline route_config is not supported)");
    } else {
      ProtoFields.onlySupported(hcm.getRds(), path + ".rds", errors, RDS);
      if (hcm.getRds().hasConfigSource() && !hcm.getRds().getConfigSource().hasAds()) {
        errors.add(path + ".rds.config_source", "must be ads: the waypoint has one ADS stream");
      }
    }
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      HttpFilter f = hcm.getHttpFilters(i);
      String fpath = ProtoFields.at(path + ".http_filters", i);
      ProtoFields.onlySupported(f, fpath, errors, FILTER);
      boolean router = f.getName().equals("envoy.filters.http.router")
          && (!f.hasTypedConfig() || f.getTypedConfig().is(Router.class));
      if (!router) {
        errors.add(fpath, "only the router filter is supported, got " + f.getName()
            + " (fault injection is per route; authorization comes in the listener metadata)");
      } else if (f.hasTypedConfig() && !f.getTypedConfig().getValue().isEmpty()) {
        errors.add(fpath + ".typed_config", "router options are not supported");
      }
    }
    return hcm.getRds().getRouteConfigName();
  }

  private static String string(Struct s, String key, String path, ValidationErrors errors, boolean required) {
    Value v = s.getFieldsMap().get(key);
    if (v == null) {
      if (required) {
        errors.add(path + "." + key, "is required");
      }
      return "";
    }
    if (v.getKindCase() != Value.KindCase.STRING_VALUE || v.getStringValue().isEmpty()) {
      errors.add(path + "." + key, "must be a non-empty string");
      return "";
    }
    return v.getStringValue();
  }
}
