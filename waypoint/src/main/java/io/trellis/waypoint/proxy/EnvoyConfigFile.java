package io.trellis.waypoint.proxy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.config.ClusterTranslator;
import io.trellis.waypoint.config.EndpointsTranslator;
import io.trellis.waypoint.config.RouteConfigTranslator;
import io.trellis.waypoint.config.XdsNackException;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.route.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The static configuration source: one JSON file holding the bound services and Envoy v3 protos in
 * their canonical JSON form (protobuf {@code JsonFormat}), translated by the same code that will
 * serve xDS. Unknown fields are errors, never ignored.
 *
 * <pre>{@code
 * {
 *   "services": [{"hostname": "reviews.bookinfo.svc.cluster.local", "namespace": "bookinfo",
 *                 "vip": "10.96.0.10:9080", "appProtocol": "http", "routeConfig": "reviews"}],
 *   "routeConfigs": [ <envoy.config.route.v3.RouteConfiguration> ... ],
 *   "clusters":     [ <envoy.config.cluster.v3.Cluster> ... ],
 *   "endpoints":    [ <envoy.config.endpoint.v3.ClusterLoadAssignment> ... ],
 *   "identities":   {"<cluster>": "spiffe://cluster.local/ns/bookinfo/sa/reviews"}
 * }
 * }</pre>
 */
public final class EnvoyConfigFile {

    private static final JsonFormat.Parser PARSER = JsonFormat.parser()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(HTTPFault.getDescriptor()).build());

    private EnvoyConfigFile() {}

    /** Reads and translates {@code file}; authorization policies come from elsewhere ({@code policies}). */
    public static WaypointConfig read(Path file, List<AuthorizationPolicy> policies) throws IOException {
        return parse(Files.readString(file), file.toString(), policies);
    }

    /**
     * Parses the JSON text. Throws {@link IllegalArgumentException} naming the source, the element
     * and the field at fault.
     */
    public static WaypointConfig parse(String json, String source, List<AuthorizationPolicy> policies) {
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(source + ": not a JSON object: " + e.getMessage(), e);
        }
        for (String key : root.keySet()) {
            if (!List.of("services", "routeConfigs", "clusters", "endpoints", "identities").contains(key)) {
                throw new IllegalArgumentException(source + ": unknown top-level field '" + key
                        + "' (expected services, routeConfigs, clusters, endpoints, identities)");
            }
        }
        List<ServiceBinding> services = new ArrayList<>();
        for (JsonElement e : array(root, "services", source)) {
            services.add(service(e.getAsJsonObject(), source));
        }
        Map<String, RouteTable> routes = new HashMap<>();
        for (JsonElement e : array(root, "routeConfigs", source)) {
            RouteConfiguration rc = proto(e, RouteConfiguration::newBuilder, source, "routeConfigs");
            routes.put(rc.getName(), translate(source, "route config " + rc.getName(), () -> RouteConfigTranslator.translate(rc)));
        }
        Map<String, ClusterSettings> clusters = new HashMap<>();
        for (JsonElement e : array(root, "clusters", source)) {
            Cluster c = proto(e, Cluster::newBuilder, source, "clusters");
            clusters.put(c.getName(), translate(source, "cluster " + c.getName(), () -> ClusterTranslator.translate(c)));
        }
        Map<String, List<Endpoint>> endpoints = new HashMap<>();
        for (JsonElement e : array(root, "endpoints", source)) {
            ClusterLoadAssignment cla = proto(e, ClusterLoadAssignment::newBuilder, source, "endpoints");
            endpoints.put(cla.getClusterName(),
                    translate(source, "endpoints of " + cla.getClusterName(), () -> EndpointsTranslator.translate(cla)));
        }
        Map<String, SpiffeId> identities = new HashMap<>();
        if (root.has("identities")) {
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("identities").entrySet()) {
                identities.put(e.getKey(), SpiffeId.parse(e.getValue().getAsString()));
            }
        }
        return new WaypointConfig(services, routes, clusters, endpoints, identities, policies);
    }

    private interface Translation<T> {
        T run() throws XdsNackException;
    }

    private static <T> T translate(String source, String what, Translation<T> t) {
        try {
            return t.run();
        } catch (XdsNackException e) {
            throw new IllegalArgumentException(source + ": " + what + " rejected: " + e.getMessage(), e);
        }
    }

    private static JsonArray array(JsonObject root, String name, String source) {
        JsonElement e = root.get(name);
        if (e == null) {
            return new JsonArray();
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(source + ": '" + name + "' must be an array");
        }
        return e.getAsJsonArray();
    }

    @SuppressWarnings("unchecked")
    private static <M extends Message> M proto(JsonElement e, Supplier<? extends Message.Builder> builder, String source,
            String list) {
        Message.Builder b = builder.get();
        try {
            PARSER.merge(e.toString(), b);
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalArgumentException(source + ": an element of '" + list + "' is not a valid "
                    + b.getDescriptorForType().getFullName() + ": " + ex.getMessage(), ex);
        }
        return (M) b.build();
    }

    private static ServiceBinding service(JsonObject o, String source) {
        String hostname = string(o, "hostname", source);
        String vipText = string(o, "vip", source);
        var vip = Addresses.parse(vipText);
        if (vip == null) {
            throw new IllegalArgumentException(source + ": service " + hostname + ": vip '" + vipText
                    + "' must be a literal ip:port");
        }
        try {
            return new ServiceBinding(hostname, string(o, "namespace", source), vip,
                    AppProtocol.parse(o.has("appProtocol") ? o.get("appProtocol").getAsString() : "http"),
                    string(o, "routeConfig", source));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(source + ": service " + hostname + ": " + ex.getMessage(), ex);
        }
    }

    private static String string(JsonObject o, String name, String source) {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException(source + ": service entry " + o + " needs a string '" + name + "'");
        }
        return e.getAsString();
    }
}
