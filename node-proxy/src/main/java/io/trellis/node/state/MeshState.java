package io.trellis.node.state;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One immutable snapshot of everything the node-proxy knows about the mesh, with the indexes the traffic paths
 * look things up by. Built off the event loops (by the xDS client), published by {@link MeshStore}; lookups
 * allocate nothing but their result.
 */
public final class MeshState {

    private static final Logger LOG = LoggerFactory.getLogger(MeshState.class);

    /** Port of every in-mesh workload's HBONE listener. */
    public static final int HBONE_PORT = 15008;

    public static final MeshState EMPTY = of(List.of(), List.of(), List.of());

    private final Map<String, WorkloadInfo> workloadsByUid;
    private final Map<InetAddress, WorkloadInfo> workloadsByIp;
    private final Map<String, ServiceInfo> servicesByKey;
    private final Map<InetSocketAddress, ServiceEndpoints> servicesByVipPort;
    private final Map<String, AuthorizationPolicy> policiesByKey;
    private final List<AuthorizationPolicy> globalPolicies;
    private final Map<String, List<AuthorizationPolicy>> namespacePolicies;

    private MeshState(Map<String, WorkloadInfo> workloadsByUid, Map<InetAddress, WorkloadInfo> workloadsByIp,
                      Map<String, ServiceInfo> servicesByKey, Map<InetSocketAddress, ServiceEndpoints> servicesByVipPort,
                      Map<String, AuthorizationPolicy> policiesByKey, List<AuthorizationPolicy> globalPolicies,
                      Map<String, List<AuthorizationPolicy>> namespacePolicies) {
        this.workloadsByUid = workloadsByUid;
        this.workloadsByIp = workloadsByIp;
        this.servicesByKey = servicesByKey;
        this.servicesByVipPort = servicesByVipPort;
        this.policiesByKey = policiesByKey;
        this.globalPolicies = globalPolicies;
        this.namespacePolicies = namespacePolicies;
    }

    /**
     * Indexes validated records. Two workloads claiming one IP: the one with the smaller uid wins and the clash is
     * logged (the controller should never send that; a deterministic choice keeps every node-proxy agreeing).
     */
    public static MeshState of(Collection<WorkloadInfo> workloads, Collection<ServiceInfo> services,
                               Collection<AuthorizationPolicy> policies) {
        Map<String, WorkloadInfo> byUid = new TreeMap<>();
        workloads.forEach(w -> byUid.put(w.uid(), w));
        Map<InetAddress, WorkloadInfo> byIp = new HashMap<>();
        for (WorkloadInfo w : byUid.values()) {
            for (InetAddress a : w.addresses()) {
                WorkloadInfo other = byIp.putIfAbsent(a, w);
                if (other != null) {
                    LOG.warn("event=duplicate_workload_ip ip={} kept={} ignored={}", a.getHostAddress(), other.uid(),
                            w.uid());
                }
            }
        }
        Map<String, ServiceInfo> byKey = new HashMap<>();
        services.forEach(s -> byKey.put(s.key(), s));
        Map<InetSocketAddress, ServiceEndpoints> byVip = indexServices(byKey, byUid.values());
        Map<String, AuthorizationPolicy> policyByKey = new HashMap<>();
        List<AuthorizationPolicy> global = new ArrayList<>();
        Map<String, List<AuthorizationPolicy>> byNamespace = new HashMap<>();
        List<AuthorizationPolicy> sorted = new ArrayList<>(policies);
        sorted.sort(Comparator.comparing(AuthorizationPolicy::key));
        for (AuthorizationPolicy p : sorted) {
            policyByKey.put(p.key(), p);
            switch (p.scope()) {
                case GLOBAL -> global.add(p);
                case NAMESPACE -> byNamespace.computeIfAbsent(p.namespace(), n -> new ArrayList<>()).add(p);
                case WORKLOAD_SELECTOR -> { }
            }
        }
        Map<String, List<AuthorizationPolicy>> nsCopy = new HashMap<>();
        byNamespace.forEach((k, v) -> nsCopy.put(k, List.copyOf(v)));
        return new MeshState(Map.copyOf(byUid), Map.copyOf(byIp), Map.copyOf(byKey), Map.copyOf(byVip),
                Map.copyOf(policyByKey), List.copyOf(global), Map.copyOf(nsCopy));
    }

    private static Map<InetSocketAddress, ServiceEndpoints> indexServices(Map<String, ServiceInfo> services,
                                                                         Collection<WorkloadInfo> workloads) {
        Map<String, List<WorkloadInfo>> members = new HashMap<>();
        for (WorkloadInfo w : workloads) {
            for (String key : w.services().keySet()) {
                members.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
            }
        }
        Map<InetSocketAddress, ServiceEndpoints> out = new HashMap<>();
        for (ServiceInfo s : services.values()) {
            List<WorkloadInfo> ws = members.getOrDefault(s.key(), List.of());
            for (ServicePort port : s.ports()) {
                for (InetAddress vip : s.vips()) {
                    List<Endpoint> endpoints = new ArrayList<>();
                    for (WorkloadInfo w : ws) {
                        InetAddress ip = w.addressLike(vip);
                        if (!w.healthy() || ip == null) {
                            continue;
                        }
                        endpoints.add(new Endpoint(w, new InetSocketAddress(ip, targetPort(w, s, port))));
                    }
                    String key = s.key() + ":" + port.port();
                    out.put(new InetSocketAddress(vip, port.port()), new ServiceEndpoints(key, s, port, endpoints));
                }
            }
        }
        return out;
    }

    /** The workload's own mapping wins (named target ports resolve per pod); else the service's target port. */
    private static int targetPort(WorkloadInfo w, ServiceInfo s, ServicePort port) {
        for (PortMapping m : w.services().getOrDefault(s.key(), List.of())) {
            if (m.servicePort() == port.port() && m.targetPort() != 0) {
                return m.targetPort();
            }
        }
        return port.targetPort();
    }

    /** What a captured outbound connection to {@code originalDst} should do. */
    public Destination destinationFor(InetSocketAddress originalDst) {
        ServiceEndpoints service = servicesByVipPort.get(originalDst);
        if (service != null) {
            WaypointAddress waypoint = service.service().waypoint();
            if (waypoint != null) {
                return new Destination.ViaWaypoint(originalDst, waypoint, service.service(), null);
            }
            return new Destination.Service(originalDst, service);
        }
        WorkloadInfo workload = workloadsByIp.get(originalDst.getAddress());
        if (workload == null || !workload.hbone()) {
            return new Destination.Passthrough(originalDst, workload);
        }
        if (workload.waypoint() != null) {
            return new Destination.ViaWaypoint(originalDst, workload.waypoint(), null, workload);
        }
        return new Destination.MeshWorkload(originalDst, workload,
                new InetSocketAddress(originalDst.getAddress(), HBONE_PORT), workload.identity());
    }

    public @Nullable WorkloadInfo workloadByIp(InetAddress ip) {
        return workloadsByIp.get(ip);
    }

    public @Nullable WorkloadInfo workloadByUid(String uid) {
        return workloadsByUid.get(uid);
    }

    public @Nullable ServiceInfo serviceByKey(String key) {
        return servicesByKey.get(key);
    }

    /** The service port behind a VIP:port with its healthy endpoints, or null when it is no service's. */
    public @Nullable ServiceEndpoints serviceByVip(InetSocketAddress vipAndPort) {
        return servicesByVipPort.get(vipAndPort);
    }

    public @Nullable AuthorizationPolicy policyByKey(String key) {
        return policiesByKey.get(key);
    }

    /**
     * The policies that apply to {@code workload}: mesh-wide ones, its namespace's, and the selector-scoped ones
     * that select it (a listed policy this snapshot lacks is skipped: it arrives in a later update).
     */
    public List<AuthorizationPolicy> policiesFor(WorkloadInfo workload) {
        List<AuthorizationPolicy> ns = namespacePolicies.getOrDefault(workload.namespace(), List.of());
        if (workload.authorizationPolicies().isEmpty()) {
            if (globalPolicies.isEmpty()) {
                return ns;
            }
            if (ns.isEmpty()) {
                return globalPolicies;
            }
        }
        List<AuthorizationPolicy> out = new ArrayList<>(globalPolicies.size() + ns.size()
                + workload.authorizationPolicies().size());
        out.addAll(globalPolicies);
        out.addAll(ns);
        for (String key : workload.authorizationPolicies()) {
            AuthorizationPolicy p = policiesByKey.get(key);
            if (p != null && p.scope() == AuthorizationPolicy.Scope.WORKLOAD_SELECTOR) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Identities of the waypoints {@code workload} is behind: its own, and those of the services it is an
     * endpoint of. Empty when traffic may reach it directly.
     */
    public List<WaypointAddress> waypointsOf(WorkloadInfo workload) {
        List<WaypointAddress> out = new ArrayList<>(1);
        if (workload.waypoint() != null) {
            out.add(workload.waypoint());
        }
        for (String key : workload.services().keySet()) {
            ServiceInfo s = servicesByKey.get(key);
            if (s != null && s.waypoint() != null && !out.contains(s.waypoint())) {
                out.add(s.waypoint());
            }
        }
        return out;
    }

    public Map<String, WorkloadInfo> workloads() {
        return workloadsByUid;
    }

    public Map<String, ServiceInfo> services() {
        return servicesByKey;
    }

    public Map<String, AuthorizationPolicy> policies() {
        return policiesByKey;
    }
}
