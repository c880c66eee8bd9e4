package io.trellis.controller.model;

import io.trellis.controller.source.AuthorizationPolicyConfig;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.GatewayConfig;
import io.trellis.controller.source.NamespaceConfig;
import io.trellis.controller.source.PodConfig;
import io.trellis.controller.source.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link MeshModel} from a config snapshot. A pure function of its inputs: the same snapshot
 * always gives an equal model, so unchanged resources keep their xDS versions.
 */
public final class ModelBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ModelBuilder.class);
    static final int DEFAULT_HBONE_PORT = 15008;

    private ModelBuilder() {}

    public static MeshModel build(ConfigSnapshot config, MeshSettings settings) {
        Map<String, Map<String, String>> namespaceLabels = namespaceLabels(config);
        Map<String, Waypoint> waypoints = waypoints(config, settings);

        // services first, without endpoints: pods then find the services that select them
        Map<String, ServiceModel> services = new TreeMap<>();
        Map<String, List<ServiceConfig>> servicesByNamespace = servicesByNamespace(config);
        for (ServiceConfig svc : config.services()) {
            String ns = svc.meta().namespace();
            Waypoint wp = resolveWaypoint(svc.meta().labels().get(Labels.USE_WAYPOINT),
                    namespaceLabels.getOrDefault(ns, Map.of()).get(Labels.USE_WAYPOINT), ns, waypoints,
                    "Service/" + svc.meta().key());
            String hostname = hostname(svc, settings);
            services.put(ns + "/" + hostname, new ServiceModel(svc.meta().name(), ns, hostname, svc.clusterIps(),
                    svc.ports(), wp, List.of()));
        }

        Map<String, AuthorizationModel> authorizations = new TreeMap<>();
        for (AuthorizationPolicyConfig p : config.authorizationPolicies()) {
            AuthorizationModel m = authorization(p, settings);
            authorizations.put(m.key(), m);
        }
        Map<String, List<AuthorizationModel>> selectorPolicies = selectorPolicies(config, settings);

        Map<String, WorkloadModel> workloads = new TreeMap<>();
        Map<String, List<String>> endpoints = new HashMap<>();
        Map<String, Set<String>> accountsByNode = new HashMap<>();
        for (PodConfig pod : config.pods()) {
            WorkloadModel w = workload(pod, namespaceLabels.getOrDefault(pod.meta().namespace(), Map.of()),
                    servicesByNamespace.getOrDefault(pod.meta().namespace(), List.of()),
                    selectorPolicies.getOrDefault(pod.meta().namespace(), List.of()), waypoints, settings);
            workloads.put(w.uid(), w);
            for (String serviceKey : w.services().keySet()) {
                endpoints.computeIfAbsent(serviceKey, k -> new ArrayList<>()).add(w.uid());
            }
            if (!pod.nodeName().isEmpty()) {
                accountsByNode.computeIfAbsent(pod.nodeName(), k -> new HashSet<>())
                        .add(pod.meta().namespace() + "/" + pod.serviceAccount());
            }
        }
        for (Map.Entry<String, List<String>> e : endpoints.entrySet()) {
            ServiceModel s = services.get(e.getKey());
            if (s != null) {
                // sorted, so that the incremental update (IncrementalModelBuilder) gives an equal model
                services.put(e.getKey(), s.withEndpoints(e.getValue().stream().sorted().toList()));
            }
        }
        Map<String, Set<String>> frozenAccounts = new HashMap<>();
        accountsByNode.forEach((node, accounts) -> frozenAccounts.put(node, Set.copyOf(accounts)));
        return new MeshModel(settings, workloads, services, authorizations, waypoints, frozenAccounts,
                config.httpRoutes(), config.grpcRoutes(), config.resiliencePolicies());
    }

    static WorkloadModel workload(PodConfig pod, Map<String, String> nsLabels, List<ServiceConfig> services,
                                          List<AuthorizationModel> policies, Map<String, Waypoint> waypoints,
                                          MeshSettings settings) {
        String ns = pod.meta().namespace();
        Map<String, String> labels = pod.meta().labels();
        boolean isWaypoint = labels.containsKey(Labels.GATEWAY_NAME);
        // a waypoint's own traffic never goes through a waypoint: that would loop
        Waypoint wp = isWaypoint ? null
                : resolveWaypoint(labels.get(Labels.USE_WAYPOINT), null, ns, waypoints, "Pod/" + pod.meta().key());

        Map<String, List<WorkloadModel.PortMapping>> memberOf = new LinkedHashMap<>();
        for (ServiceConfig svc : services) {
            if (svc.selector().isEmpty() || !Labels.matches(svc.selector(), labels)) {
                continue;
            }
            List<WorkloadModel.PortMapping> ports = new ArrayList<>();
            for (ServiceConfig.Port p : svc.ports()) {
                int target = p.targetPort() != 0 ? p.targetPort()
                        : p.targetPortName().isEmpty() ? p.port()
                        : pod.namedPorts().getOrDefault(p.targetPortName(), 0);
                if (target != 0) {
                    ports.add(new WorkloadModel.PortMapping(p.port(), target));
                }
            }
            memberOf.put(ns + "/" + hostname(svc, settings), ports);
        }

        List<String> authz = new ArrayList<>();
        for (AuthorizationModel p : policies) {
            Map<String, String> selector = p.config().selector();
            if (selector != null && Labels.matches(selector, labels)) {
                authz.add(p.key());
            }
        }
        return new WorkloadModel(ns + "/" + pod.meta().name(), pod.meta().name(), ns, pod.serviceAccount(),
                pod.nodeName(), pod.podIps(), labels, enrolled(labels, nsLabels, pod), wp,
                first(labels, pod.meta().name(), "app.kubernetes.io/name", "app"),
                first(labels, "latest", "app.kubernetes.io/version", "version"),
                pod.ready(), memberOf, authz);
    }

    static Map<String, Map<String, String>> namespaceLabels(ConfigSnapshot config) {
        Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
        for (NamespaceConfig ns : config.namespaces()) {
            namespaceLabels.put(ns.meta().name(), ns.meta().labels());
        }
        return namespaceLabels;
    }

    static Map<String, List<ServiceConfig>> servicesByNamespace(ConfigSnapshot config) {
        Map<String, List<ServiceConfig>> out = new HashMap<>();
        for (ServiceConfig svc : config.services()) {
            out.computeIfAbsent(svc.meta().namespace(), k -> new ArrayList<>()).add(svc);
        }
        return out;
    }

    private static AuthorizationModel authorization(AuthorizationPolicyConfig p, MeshSettings settings) {
        AuthorizationModel.Scope scope = p.selector() != null ? AuthorizationModel.Scope.WORKLOAD_SELECTOR
                : p.meta().namespace().equals(settings.rootNamespace()) ? AuthorizationModel.Scope.GLOBAL
                : AuthorizationModel.Scope.NAMESPACE;
        return new AuthorizationModel(p, scope);
    }

    static Map<String, List<AuthorizationModel>> selectorPolicies(ConfigSnapshot config, MeshSettings settings) {
        Map<String, List<AuthorizationModel>> out = new HashMap<>();
        for (AuthorizationPolicyConfig p : config.authorizationPolicies()) {
            AuthorizationModel m = authorization(p, settings);
            if (m.scope() == AuthorizationModel.Scope.WORKLOAD_SELECTOR) {
                out.computeIfAbsent(p.meta().namespace(), k -> new ArrayList<>()).add(m);
            }
        }
        return out;
    }

    static String hostname(ServiceConfig svc, MeshSettings settings) {
        return svc.meta().name() + "." + svc.meta().namespace() + ".svc." + settings.clusterDomain();
    }

    private static boolean enrolled(Map<String, String> podLabels, Map<String, String> nsLabels, PodConfig pod) {
        String mode = podLabels.getOrDefault(Labels.DATAPLANE_MODE, nsLabels.get(Labels.DATAPLANE_MODE));
        if (mode == null || mode.equals("none")) {
            return false;
        }
        if (!mode.equals("ambient")) {
            LOG.warn("event=invalid_label object=Pod/{} label={} value={} problem=\"expected ambient or none; "
                    + "treating the pod as not enrolled\"", pod.meta().key(), Labels.DATAPLANE_MODE, mode);
            return false;
        }
        return true;
    }

    private static String first(Map<String, String> labels, String fallback, String... keys) {
        for (String k : keys) {
            String v = labels.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return fallback;
    }

    private static @Nullable Waypoint resolveWaypoint(@Nullable String own, @Nullable String namespaceDefault,
                                                      String namespace, Map<String, Waypoint> waypoints,
                                                      String object) {
        String name = own != null ? own : namespaceDefault;
        if (name == null || name.equals("none")) {
            return null;
        }
        Waypoint wp = waypoints.get(namespace + "/" + name);
        if (wp == null) {
            LOG.warn("event=waypoint_not_found object={} waypoint={}/{} problem=\"no Gateway of class {} with an "
                    + "address has this name; traffic goes direct\"", object, namespace, name, Labels.WAYPOINT_CLASS);
        }
        return wp;
    }

    private static Map<String, Waypoint> waypoints(ConfigSnapshot config, MeshSettings settings) {
        // with several pods per gateway, the one with the smallest name decides: independent of list order
        Map<String, PodConfig> podOfGateway = new HashMap<>();
        for (PodConfig pod : config.pods()) {
            String gw = pod.meta().labels().get(Labels.GATEWAY_NAME);
            if (gw != null) {
                podOfGateway.merge(pod.meta().namespace() + "/" + gw, pod,
                        (a, b) -> a.meta().name().compareTo(b.meta().name()) <= 0 ? a : b);
            }
        }
        Map<String, String> accountOfGateway = new HashMap<>();
        podOfGateway.forEach((gw, pod) -> accountOfGateway.put(gw, pod.serviceAccount()));
        Map<String, Waypoint> out = new TreeMap<>();
        for (GatewayConfig gw : config.gateways()) {
            if (!gw.gatewayClassName().equals(Labels.WAYPOINT_CLASS)) {
                continue;
            }
            if (gw.addresses().isEmpty()) {
                LOG.warn("event=waypoint_without_address object=Gateway/{} problem=\"no status.addresses or "
                        + "spec.addresses yet; services bound to it go direct\"", gw.meta().key());
                continue;
            }
            int port = gw.listeners().stream().filter(l -> l.protocol().equals("HBONE"))
                    .mapToInt(GatewayConfig.Listener::port).findFirst().orElse(DEFAULT_HBONE_PORT);
            String ns = gw.meta().namespace();
            String sa = accountOfGateway.getOrDefault(gw.meta().key(), gw.meta().name());
            Waypoint wp = new Waypoint(ns, gw.meta().name(), gw.addresses().getFirst(), port,
                    settings.spiffeUri(ns, sa), gw.addresses().stream().distinct().toList());
            out.put(wp.key(), wp);
        }
        return out;
    }
}
