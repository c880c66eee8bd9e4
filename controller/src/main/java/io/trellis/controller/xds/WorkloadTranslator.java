package io.trellis.controller.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.From;
import io.trellis.api.workload.v1.GatewayAddress;
import io.trellis.api.workload.v1.IpBlock;
import io.trellis.api.workload.v1.PortList;
import io.trellis.api.workload.v1.PortMapping;
import io.trellis.api.workload.v1.Rule;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.ServicePort;
import io.trellis.api.workload.v1.To;
import io.trellis.api.workload.v1.TunnelProtocol;
import io.trellis.api.workload.v1.Workload;
import io.trellis.api.workload.v1.WorkloadStatus;
import io.trellis.controller.model.AuthorizationModel;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.ServiceModel;
import io.trellis.controller.model.Waypoint;
import io.trellis.controller.model.WorkloadModel;
import io.trellis.controller.source.AuthorizationPolicyConfig;
import io.trellis.controller.source.Cidr;
import io.trellis.controller.source.ServiceConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import io.trellis.controller.model.IncrementalModelBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Translates the mesh model into workload xDS resources. Pure functions, no state. */
public final class WorkloadTranslator {

    private WorkloadTranslator() {}

    /** Every resource of the model, by type URL, then by resource name. */
    public static Map<String, Map<String, Message>> translate(MeshModel model) {
        Map<String, Map<String, Message>> out = new HashMap<>();
        translate(MeshModel.empty(model.settings()), model).forEach((type, resources) -> {
            Map<String, Message> sorted = new TreeMap<>();
            resources.forEach((name, message) -> sorted.put(name, java.util.Objects.requireNonNull(message)));
            out.put(type, sorted);
        });
        return out;
    }

    /**
     * Like {@link #translate(MeshModel)}, but a resource whose model object equals the one in {@code previous}
     * maps to null: "unchanged, keep its previous version" (see {@link ResourceSnapshot#next}). Comparing
     * records is much cheaper than building, serializing and hashing ten thousand protos per push.
     */
    public static Map<String, Map<String, @Nullable Message>> translate(MeshModel previous, MeshModel model) {
        boolean sameSettings = previous.settings().equals(model.settings());
        Map<String, @Nullable Message> workloads = new HashMap<>();
        model.workloads().values().forEach(w -> workloads.put(w.uid(),
                sameSettings && same(w, previous.workloads().get(w.uid())) ? null
                        : workload(w, model.settings().trustDomain())));
        Map<String, @Nullable Message> services = new HashMap<>();
        model.services().values().forEach(s -> services.put(s.key(),
                sameSettings && same(s, previous.services().get(s.key())) ? null : service(s)));
        Map<String, @Nullable Message> authz = new HashMap<>();
        model.authorizations().values().forEach(a -> authz.put(a.key(),
                sameSettings && same(a, previous.authorizations().get(a.key())) ? null : authorization(a)));
        Map<String, Map<String, @Nullable Message>> out = new HashMap<>();
        out.put(TypeUrls.WORKLOAD, workloads);
        out.put(TypeUrls.SERVICE, services);
        out.put(TypeUrls.AUTHORIZATION, authz);
        return out;
    }

    /** Resources to upsert and names to remove, per type URL. */
    public record Patch(Map<String, Map<String, Message>> upserts, Map<String, Set<String>> removals) {}

    /**
     * Translates only what an incremental model update touched ({@code delta}, relative to {@code previous}):
     * O(changed) instead of a pass over every resource. Feed to {@link ResourceSnapshot#patch}.
     */
    public static Patch translate(MeshModel previous, MeshModel model, IncrementalModelBuilder.Delta delta) {
        Map<String, Message> workloads = new HashMap<>();
        Set<String> removedWorkloads = new HashSet<>();
        for (String uid : delta.workloads()) {
            WorkloadModel w = model.workloads().get(uid);
            if (w == null) {
                removedWorkloads.add(uid);
            } else if (!same(w, previous.workloads().get(uid))) {
                workloads.put(uid, workload(w, model.settings().trustDomain()));
            }
        }
        Map<String, Message> services = new HashMap<>();
        Set<String> removedServices = new HashSet<>();
        for (String key : delta.services()) {
            ServiceModel s = model.services().get(key);
            if (s == null) {
                removedServices.add(key);
            } else if (!same(s, previous.services().get(key))) {
                services.put(key, service(s));
            }
        }
        return new Patch(Map.of(TypeUrls.WORKLOAD, workloads, TypeUrls.SERVICE, services),
                Map.of(TypeUrls.WORKLOAD, removedWorkloads, TypeUrls.SERVICE, removedServices));
    }

    /** The incremental model builder keeps unchanged model objects, so identity settles most comparisons. */
    private static boolean same(Object now, @Nullable Object before) {
        return now == before || now.equals(before);
    }

    public static Workload workload(WorkloadModel w, String trustDomain) {
        Workload.Builder b = Workload.newBuilder()
                .setUid(w.uid())
                .setName(w.name())
                .setNamespace(w.namespace())
                .setServiceAccount(w.serviceAccount())
                .setNode(w.node())
                .setTrustDomain(trustDomain)
                .setProtocol(w.enrolled() ? TunnelProtocol.HBONE : TunnelProtocol.TCP)
                .setCanonicalName(w.canonicalName())
                .setCanonicalRevision(w.canonicalRevision())
                .setStatus(w.healthy() ? WorkloadStatus.HEALTHY : WorkloadStatus.UNHEALTHY)
                .addAllAuthorizationPolicies(w.authorizationPolicies());
        w.addresses().forEach(a -> b.addAddresses(bytes(a)));
        if (w.waypoint() != null) {
            b.setWaypoint(gateway(w.waypoint()));
        }
        // sorted: equal models must serialize to equal bytes, or versions would churn
        new TreeMap<>(w.services()).forEach((key, ports) -> {
            PortList.Builder pl = PortList.newBuilder();
            ports.forEach(p -> pl.addPorts(PortMapping.newBuilder().setServicePort(p.servicePort())
                    .setTargetPort(p.targetPort())));
            b.putServices(key, pl.build());
        });
        return b.build();
    }

    public static Service service(ServiceModel s) {
        Service.Builder b = Service.newBuilder()
                .setName(s.name())
                .setNamespace(s.namespace())
                .setHostname(s.hostname());
        s.vips().forEach(v -> b.addVips(bytes(v)));
        for (ServiceConfig.Port p : s.ports()) {
            b.addPorts(ServicePort.newBuilder().setPort(p.port()).setTargetPort(p.targetPort())
                    .setAppProtocol(p.appProtocol()).setName(p.name()));
        }
        if (s.waypoint() != null) {
            b.setWaypoint(gateway(s.waypoint()));
        }
        return b.build();
    }

    /**
     * The L4 view of a policy. Operations with HTTP conditions (methods, paths) cannot be checked by a
     * node-proxy: in an ALLOW policy they never match (so nothing extra is allowed), in a DENY policy their
     * L4 part alone decides (so more is denied, never less). The waypoint enforces them fully.
     */
    public static Authorization authorization(AuthorizationModel a) {
        AuthorizationPolicyConfig c = a.config();
        boolean allow = c.action() == AuthorizationPolicyConfig.Action.ALLOW;
        Authorization.Builder b = Authorization.newBuilder()
                .setName(c.meta().name())
                .setNamespace(c.meta().namespace())
                .setScope(switch (a.scope()) {
                    case GLOBAL -> Authorization.Scope.GLOBAL;
                    case NAMESPACE -> Authorization.Scope.NAMESPACE;
                    case WORKLOAD_SELECTOR -> Authorization.Scope.WORKLOAD_SELECTOR;
                })
                .setAction(allow ? Authorization.Action.ALLOW : Authorization.Action.DENY);
        for (AuthorizationPolicyConfig.Rule rule : c.rules()) {
            Rule.Builder r = Rule.newBuilder();
            rule.from().forEach(s -> r.addFrom(from(s)));
            List<To> to = new ArrayList<>();
            for (AuthorizationPolicyConfig.Operation op : rule.to()) {
                if (op.hasL7() && allow) {
                    continue;
                }
                to.add(To.newBuilder().addAllPorts(op.ports()).addAllNotPorts(op.notPorts()).build());
            }
            if (!rule.to().isEmpty() && to.isEmpty()) {
                continue; // every operation needed HTTP: this ALLOW rule can never match at L4
            }
            r.addAllTo(to);
            b.addRules(r);
        }
        return b.build();
    }

    private static From from(AuthorizationPolicyConfig.Source s) {
        From.Builder f = From.newBuilder()
                .addAllPrincipals(s.principals())
                .addAllNotPrincipals(s.notPrincipals())
                .addAllNamespaces(s.namespaces())
                .addAllNotNamespaces(s.notNamespaces());
        s.ipBlocks().forEach(c -> f.addIpBlocks(ipBlock(c)));
        s.notIpBlocks().forEach(c -> f.addNotIpBlocks(ipBlock(c)));
        return f.build();
    }

    private static IpBlock ipBlock(Cidr c) {
        return IpBlock.newBuilder().setAddress(bytes(c.address())).setPrefixLen(c.prefixLength()).build();
    }

    private static GatewayAddress gateway(Waypoint w) {
        GatewayAddress.Builder g = GatewayAddress.newBuilder().setAddress(bytes(w.address()))
                .setHbonePort(w.hbonePort()).setIdentity(w.identity());
        if (w.addresses().size() > 1) {
            // one replica needs no list: the field stays empty and the resource unchanged for single-pod waypoints
            w.addresses().forEach(a -> g.addReplicaAddresses(bytes(a)));
        }
        return g.build();
    }

    private static ByteString bytes(InetAddress a) {
        return ByteString.copyFrom(a.getAddress());
    }
}
