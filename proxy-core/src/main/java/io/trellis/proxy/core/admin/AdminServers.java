package io.trellis.proxy.core.admin;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A proxy's three operator servers, started together and closed together: admin (15000, loopback only: it has
 * no authentication), metrics (15020) and readiness (15021). If one cannot bind, the ones already started are
 * closed before the error propagates, so a failed start leaves no port behind.
 */
public final class AdminServers implements AutoCloseable {

    private final AdminHttpServer admin;
    private final AdminHttpServer metrics;
    private final AdminHttpServer readiness;

    private AdminServers(AdminHttpServer admin, AdminHttpServer metrics, AdminHttpServer readiness) {
        this.admin = admin;
        this.metrics = metrics;
        this.readiness = readiness;
    }

    /** Starts the three servers, each on its address with its routes (see {@link AdminEndpoints}). */
    public static AdminServers start(InetSocketAddress adminAddress, AdminRoutes adminRoutes,
                                     InetSocketAddress metricsAddress, AdminRoutes metricsRoutes,
                                     InetSocketAddress readinessAddress, AdminRoutes readinessRoutes)
            throws IOException {
        if (!adminAddress.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin server has no authentication and must listen on loopback, "
                    + "not " + adminAddress.getAddress().getHostAddress());
        }
        AdminHttpServer a = AdminHttpServer.start("admin", adminAddress, adminRoutes);
        AdminHttpServer m = null;
        try {
            m = AdminHttpServer.start("metrics", metricsAddress, metricsRoutes);
            AdminHttpServer r = AdminHttpServer.start("readiness", readinessAddress, readinessRoutes);
            return new AdminServers(a, m, r);
        } catch (IOException | RuntimeException e) {
            a.close();
            if (m != null) {
                m.close();
            }
            throw e;
        }
    }

    /** The admin port (useful after binding port 0). */
    public int adminPort() {
        return admin.port();
    }

    /** The metrics port. */
    public int metricsPort() {
        return metrics.port();
    }

    /** The readiness port. */
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
