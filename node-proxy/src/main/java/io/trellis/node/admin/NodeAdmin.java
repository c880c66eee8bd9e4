package io.trellis.node.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.node.identity.CertificateManager;
import io.trellis.node.proxy.EndpointHealth;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.proxy.core.admin.AdminEndpoints;
import io.trellis.proxy.core.admin.AdminServers;
import io.trellis.proxy.core.admin.LogLevels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * The node-proxy's three operator servers: admin on loopback, metrics and readiness on {@code publicAddress}
 * (where kubelet and Prometheus reach them).
 */
public final class NodeAdmin implements AutoCloseable {

    private final AdminServers servers;

    private NodeAdmin(AdminServers servers) {
        this.servers = servers;
    }

    /**
     * @param ports    admin, metrics and readiness ports (normally 15000, 15020, 15021; 0 picks free ones)
     * @param shutdown what {@code POST /quitquitquit} runs (the graceful drain)
     */
    public static NodeAdmin start(String node, InetAddress publicAddress, int[] ports, MeshStore store,
                                  WorkloadXdsClient xds, CertificateManager certificates,
                                  PrometheusMeterRegistry registry, Runnable shutdown) throws IOException {
        return start(node, InetAddress.getLoopbackAddress(), publicAddress, ports, store, xds, certificates, registry,
                shutdown);
    }

    /**
     * As above with the admin server on {@code adminAddress}, which must be a loopback address (admin has no
     * authentication): in the loopback node mode several node-proxies share one host, each on its own 127.x address.
     */
    public static NodeAdmin start(String node, InetAddress adminAddress, InetAddress publicAddress, int[] ports,
                                  MeshStore store, WorkloadXdsClient xds, CertificateManager certificates,
                                  PrometheusMeterRegistry registry, Runnable shutdown) throws IOException {
        return start(node, adminAddress, publicAddress, ports, store, xds, certificates, registry, shutdown, List::of);
    }

    /** As above, with {@code /config_dump} listing the upstreams {@code ejected} says are ejected now. */
    public static NodeAdmin start(String node, InetAddress adminAddress, InetAddress publicAddress, int[] ports,
                                  MeshStore store, WorkloadXdsClient xds, CertificateManager certificates,
                                  PrometheusMeterRegistry registry, Runnable shutdown,
                                  Supplier<List<EndpointHealth.Ejection>> ejected) throws IOException {
        if (ports.length != 3) {
            throw new IllegalArgumentException("need the admin, metrics and readiness ports, got " + ports.length);
        }
        return new NodeAdmin(AdminServers.start(
                new InetSocketAddress(adminAddress, ports[0]), AdminEndpoints.admin(() -> ConfigDump.of(node,
                        store.current(), xds.status(), certificates.statuses(), ejected.get()), certificates::statuses,
                        LogLevels.logback(), shutdown),
                new InetSocketAddress(publicAddress, ports[1]), AdminEndpoints.metrics(registry),
                new InetSocketAddress(publicAddress, ports[2]),
                AdminEndpoints.readiness(new NodeReadiness(xds::status, certificates))));
    }

    public int adminPort() {
        return servers.adminPort();
    }

    public int metricsPort() {
        return servers.metricsPort();
    }

    public int readinessPort() {
        return servers.readinessPort();
    }

    @Override
    public void close() {
        servers.close();
    }
}
