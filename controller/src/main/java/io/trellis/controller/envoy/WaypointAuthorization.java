package io.trellis.controller.envoy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.trellis.controller.model.AuthorizationModel;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.source.AuthorizationPolicyConfig;
import io.trellis.controller.source.Cidr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The L7 authorization policies a waypoint enforces for one service, in the project's own representation: a
 * list of structs in the listener's {@code metadata.filter_metadata["trellis"].authorization_policies}.
 *
 * <p>Why not Envoy RBAC: the policy is Istio-shaped (principals, namespaces, paths with {@code *} wildcards,
 * methods) and the waypoint evaluates exactly that shape; RBAC would need a lossy round trip through
 * permission/principal trees. The struct mirrors the CRD field for field, including the L4-only fields
 * ({@code ipBlocks}, {@code ports}), so that a waypoint which cannot enforce a field NACKs it by name instead of
 * silently ignoring it.
 *
 * <p>Which policies: those in the service's namespace or the root namespace that are not scoped to a workload
 * selector and have at least one L7 operation (methods or paths); L4-only policies stay with the node-proxies.
 */
public final class WaypointAuthorization {

    private WaypointAuthorization() {}

    static List<Value> policiesFor(String serviceNamespace, MeshModel model) {
        List<AuthorizationModel> picked = new ArrayList<>();
        for (AuthorizationModel a : model.authorizations().values()) {
            AuthorizationPolicyConfig c = a.config();
            boolean inScope = a.scope() == AuthorizationModel.Scope.GLOBAL
                    || (a.scope() == AuthorizationModel.Scope.NAMESPACE && c.meta().namespace().equals(serviceNamespace));
            boolean l7 = c.rules().stream().anyMatch(r -> r.to().stream().anyMatch(AuthorizationPolicyConfig.Operation::hasL7));
            if (inScope && l7) {
                picked.add(a);
            }
        }
        picked.sort(Comparator.comparing(AuthorizationModel::key));
        return picked.stream().map(a -> Value.newBuilder().setStructValue(policy(a.config())).build()).toList();
    }

    /** One policy as a struct: namespace, name, action, rules[{from[...], to[...]}]. */
    public static Struct policy(AuthorizationPolicyConfig c) {
        Struct.Builder p = Struct.newBuilder()
                .putFields("namespace", string(c.meta().namespace()))
                .putFields("name", string(c.meta().name()))
                .putFields("action", string(c.action().name()));
        ListValue.Builder rules = ListValue.newBuilder();
        for (AuthorizationPolicyConfig.Rule r : c.rules()) {
            Struct.Builder rule = Struct.newBuilder();
            ListValue.Builder from = ListValue.newBuilder();
            for (AuthorizationPolicyConfig.Source s : r.from()) {
                Struct.Builder src = Struct.newBuilder();
                put(src, "principals", s.principals());
                put(src, "notPrincipals", s.notPrincipals());
                put(src, "namespaces", s.namespaces());
                put(src, "notNamespaces", s.notNamespaces());
                put(src, "ipBlocks", s.ipBlocks().stream().map(WaypointAuthorization::cidr).toList());
                put(src, "notIpBlocks", s.notIpBlocks().stream().map(WaypointAuthorization::cidr).toList());
                from.addValues(Value.newBuilder().setStructValue(src));
            }
            ListValue.Builder to = ListValue.newBuilder();
            for (AuthorizationPolicyConfig.Operation o : r.to()) {
                Struct.Builder op = Struct.newBuilder();
                put(op, "ports", o.ports().stream().map(String::valueOf).toList());
                put(op, "notPorts", o.notPorts().stream().map(String::valueOf).toList());
                put(op, "methods", o.methods());
                put(op, "paths", o.paths());
                to.addValues(Value.newBuilder().setStructValue(op));
            }
            if (from.getValuesCount() > 0) {
                rule.putFields("from", Value.newBuilder().setListValue(from).build());
            }
            if (to.getValuesCount() > 0) {
                rule.putFields("to", Value.newBuilder().setListValue(to).build());
            }
            rules.addValues(Value.newBuilder().setStructValue(rule));
        }
        return p.putFields("rules", Value.newBuilder().setListValue(rules).build()).build();
    }

    private static String cidr(Cidr c) {
        return c.address().getHostAddress() + "/" + c.prefixLength();
    }

    private static void put(Struct.Builder b, String key, List<String> values) {
        if (!values.isEmpty()) {
            ListValue.Builder l = ListValue.newBuilder();
            values.forEach(v -> l.addValues(string(v)));
            b.putFields(key, Value.newBuilder().setListValue(l).build());
        }
    }

    static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
