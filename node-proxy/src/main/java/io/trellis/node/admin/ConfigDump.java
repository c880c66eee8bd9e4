package io.trellis.node.admin;

import io.trellis.node.identity.CertificateStatus;
import io.trellis.node.proxy.EndpointHealth;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.Cidr;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.node.xds.XdsStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON tree of admin {@code /config_dump}: xDS status, workloads, services, policies and certificates, with
 * plain strings for addresses and identities so that it reads like the YAML a user wrote.
 */
public final class ConfigDump {

    private ConfigDump() {}

    public static Map<String, Object> of(String node, MeshState state, XdsStatus xds,
                                         List<CertificateStatus> certificates) {
        return of(node, state, xds, certificates, List.of());
    }

    /**
     * @param ejected upstreams the outbound side avoids now after connect failures (Service endpoints, waypoint
     *                replicas), under {@code ejected_endpoints}
     */
    public static Map<String, Object> of(String node, MeshState state, XdsStatus xds,
                                         List<CertificateStatus> certificates, List<EndpointHealth.Ejection> ejected) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", node);
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("state", xds.state().name());
        x.put("synced", xds.synced());
        x.put("last_nack", xds.lastNack());
        x.put("last_nack_at", xds.lastNackAt() == null ? null : xds.lastNackAt().toString());
        x.put("versions", xds.versions());
        out.put("xds", x);
        out.put("workloads", state.workloads().values().stream().map(ConfigDump::workload).toList());
        out.put("services", state.services().values().stream()
                .sorted(java.util.Comparator.comparing(ServiceInfo::key)).map(ConfigDump::service).toList());
        out.put("policies", state.policies().values().stream()
                .sorted(java.util.Comparator.comparing(AuthorizationPolicy::key)).map(ConfigDump::policy).toList());
        out.put("certificates", certificates);
        out.put("ejected_endpoints", ejected.stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", e.address());
            m.put("kind", e.kind());
            m.put("ejections", e.ejections());
            m.put("remaining_ms", e.remainingMillis());
            return m;
        }).toList());
        return out;
    }

    private static Map<String, Object> workload(WorkloadInfo w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uid", w.uid());
        m.put("name", w.name());
        m.put("namespace", w.namespace());
        m.put("identity", w.identity().uri());
        m.put("node", w.node());
        m.put("addresses", w.addresses().stream().map(InetAddress::getHostAddress).toList());
        m.put("protocol", w.hbone() ? "HBONE" : "TCP");
        m.put("waypoint", waypoint(w.waypoint()));
        m.put("canonical_name", w.canonicalName());
        m.put("canonical_revision", w.canonicalRevision());
        m.put("healthy", w.healthy());
        m.put("services", w.services());
        m.put("authorization_policies", w.authorizationPolicies());
        return m;
    }

    private static Map<String, Object> service(ServiceInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", s.key());
        m.put("vips", s.vips().stream().map(InetAddress::getHostAddress).toList());
        m.put("ports", s.ports());
        m.put("waypoint", waypoint(s.waypoint()));
        return m;
    }

    private static Map<String, Object> policy(AuthorizationPolicy p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", p.key());
        m.put("scope", p.scope().name());
        m.put("action", p.action().name());
        List<Object> rules = new ArrayList<>();
        for (AuthorizationPolicy.Rule r : p.rules()) {
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("from", r.from().stream().map(f -> {
                Map<String, Object> src = new LinkedHashMap<>();
                src.put("principals", f.principals());
                src.put("not_principals", f.notPrincipals());
                src.put("namespaces", f.namespaces());
                src.put("not_namespaces", f.notNamespaces());
                src.put("ip_blocks", f.ipBlocks().stream().map(Cidr::toString).toList());
                src.put("not_ip_blocks", f.notIpBlocks().stream().map(Cidr::toString).toList());
                return src;
            }).toList());
            rule.put("to", r.to());
            rules.add(rule);
        }
        m.put("rules", rules);
        return m;
    }

    private static @Nullable Map<String, Object> waypoint(@Nullable WaypointAddress w) {
        if (w == null) {
            return null;
        }
        InetSocketAddress a = w.hbone();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", a.getAddress().getHostAddress() + ":" + a.getPort());
        m.put("identity", w.identity().uri());
        if (w.replicas().size() > 1) {
            m.put("replicas", w.replicas().stream().map(r -> r.getAddress().getHostAddress() + ":" + r.getPort())
                    .toList());
        }
        return m;
    }
}
