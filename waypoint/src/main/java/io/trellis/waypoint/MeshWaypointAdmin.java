package io.trellis.waypoint;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.admin.AdminEndpoints;
import io.trellis.proxy.core.admin.AdminServers;
import io.trellis.proxy.core.admin.LogLevels;
import io.trellis.waypoint.proxy.ServiceBinding;
import io.trellis.waypoint.proxy.WaypointConfig;
import io.trellis.waypoint.xds.WaypointXdsClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The controller-mode waypoint's admin servers, on proxy-core's admin server: 15000 ({@code /config_dump}:
 * the xDS status and the config in force; {@code /certs}; {@code /logging}; {@code /quitquitquit}), 15020
 * ({@code /stats/prometheus}) and 15021 ({@code /healthz/ready}: 200 once a complete config from the
 * controller is in force).
 */
public final class MeshWaypointAdmin implements AutoCloseable {

    private final AdminServers servers;

    private MeshWaypointAdmin(AdminServers servers) {
        this.servers = servers;
    }

    /**
     * @param adminAddress must be a loopback address (the admin server has no authentication)
     * @param shutdown     what {@code POST /quitquitquit} runs (the same as SIGTERM)
     */
    public static MeshWaypointAdmin start(MeshWaypoint waypoint, PrometheusMeterRegistry registry,
            InetSocketAddress adminAddress, InetSocketAddress metricsAddress, InetSocketAddress readinessAddress,
            Runnable shutdown) throws IOException {
        return new MeshWaypointAdmin(AdminServers.start(
                adminAddress, AdminEndpoints.admin(() -> configDump(waypoint), () -> certs(waypoint.certificate()),
                        LogLevels.logback(), shutdown),
                metricsAddress, AdminEndpoints.metrics(registry),
                readinessAddress, AdminEndpoints.readiness(waypoint::notReadyReason)));
    }

    static Map<String, Object> configDump(MeshWaypoint waypoint) {
        WaypointXdsClient xds = waypoint.xds();
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("connected", xds.connected());
        status.put("has_config", xds.hasConfig());
        status.put("configs_applied", xds.applied());
        status.put("nacks", xds.nacks());
        String nack = xds.lastNack();
        status.put("last_nack", nack == null ? "" : nack);
        out.put("xds", status);
        WaypointConfig c = waypoint.proxy().config();
        List<Map<String, Object>> services = new ArrayList<>();
        for (ServiceBinding s : c.services()) {
            services.add(Map.of("hostname", s.hostname(), "namespace", s.namespace(),
                    "vip", s.vip().getAddress().getHostAddress() + ":" + s.vip().getPort(),
                    "protocol", s.protocol().toString(), "route_config", s.routeConfig()));
        }
        out.put("services", services);
        Map<String, Object> clusters = new TreeMap<>();
        c.clusters().forEach((name, settings) -> {
            Map<String, Object> cluster = new LinkedHashMap<>();
            cluster.put("settings", settings.toString());
            cluster.put("endpoints", c.endpoints().getOrDefault(name, settings.staticEndpoints()).stream()
                    .map(e -> e.address() + " " + e.health() + " identity=" + (e.metadata().identity() == null ? "-"
                            : e.metadata().identity().uri()) + " workload=" + e.metadata().namespace() + "/"
                            + e.metadata().workload() + " version=" + e.metadata().version()).toList());
            var id = c.identities().get(name);
            cluster.put("identity", id == null ? "" : id.uri());
            clusters.put(name, cluster);
        });
        out.put("clusters", clusters);
        out.put("route_configs", List.copyOf(new TreeMap<>(c.routeTables()).keySet()));
        out.put("authorization_policies", c.policies().stream()
                .map(p -> p.qualifiedName() + " " + p.action()).toList());
        return out;
    }

    private static Map<String, Object> certs(WorkloadCertificate c) {
        return Map.of("identity", c.id().uri(), "serial", c.leaf().getSerialNumber().toString(16),
                "not_before", c.notBefore().toString(), "not_after", c.notAfter().toString(),
                "trust_domain", c.trustBundle().trustDomain());
    }

    /** The admin port (useful with port 0). */
    public int adminPort() {
        return servers.adminPort();
    }

    /** The metrics port. */
    public int metricsPort() {
        return servers.metricsPort();
    }

    /** The readiness port. */
    public int readinessPort() {
        return servers.readinessPort();
    }

    @Override
    public void close() {
        servers.close();
    }
}
