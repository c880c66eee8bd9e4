package io.trellis.node.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.node.identity.CertificateManager;
import io.trellis.node.proxy.EndpointHealth;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.proxy.core.admin.AdminEndpoints;
import io.trellis.proxy.core.admin.AdminHttpServer;
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

    private final AdminHttpServer admin;
    private final AdminHttpServer metrics;
    private final AdminHttpServer readiness;

    private NodeAdmin(AdminHttpServer admin, AdminHttpServer metrics, AdminHttpServer readiness) {
        this.admin = admin;
        this.metrics = metrics;
        this.readiness = readiness;
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
        if (!adminAddress.isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin server has no authentication and must listen on loopback, "
                    + "not " + adminAddress.getHostAddress());
        }
        if (ports.length != 3) {
            throw new IllegalArgumentException("need the admin, metrics and readiness ports, got " + ports.length);
        }
        AdminHttpServer a = AdminHttpServer.start("admin", new InetSocketAddress(adminAddress,
                ports[0]), AdminEndpoints.admin(() -> ConfigDump.of(node, store.current(), xds.status(),
                certificates.statuses(), ejected.get()), certificates::statuses, LogLevels.logback(), shutdown));
        AdminHttpServer m = null;
        try {
            m = AdminHttpServer.start("metrics", new InetSocketAddress(publicAddress, ports[1]),
                    AdminEndpoints.metrics(registry));
            AdminHttpServer r = AdminHttpServer.start("readiness", new InetSocketAddress(publicAddress, ports[2]),
                    AdminEndpoints.readiness(new NodeReadiness(xds::status, certificates)));
            return new NodeAdmin(a, m, r);
        } catch (IOException | RuntimeException e) {
            a.close();
            if (m != null) {
                m.close();
            }
            throw e;
        }
    }

    public int adminPort() {
        return admin.port();
    }

    public int metricsPort() {
        return metrics.port();
    }

    public int readinessPort() {
        return readiness.port();
    }

    @Override
    public void close() {
        readiness.close();
        metrics.close();
        admin.close();
    }
}
