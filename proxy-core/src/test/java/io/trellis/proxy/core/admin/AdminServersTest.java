package io.trellis.proxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Starting the three operator servers together: all or nothing, and admin only on loopback. */
class AdminServersTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private AdminRoutes admin() {
        return AdminEndpoints.admin(Map::of, Map::of, LogLevels.logback(), () -> { });
    }

    private AdminRoutes readiness() {
        return AdminEndpoints.readiness(() -> null);
    }

    @Test
    void startsAllThreeAndClosesThem() throws IOException {
        int adminPort;
        try (AdminServers servers = AdminServers.start(loopback(0), admin(), loopback(0),
                AdminEndpoints.metrics(registry), loopback(0), readiness())) {
            adminPort = servers.adminPort();
            assertThat(adminPort).isPositive();
            assertThat(servers.metricsPort()).isPositive().isNotEqualTo(adminPort);
            assertThat(servers.readinessPort()).isPositive().isNotIn(adminPort, servers.metricsPort());
        }
        try (ServerSocket again = new ServerSocket(adminPort, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).as("closing released the admin port").isEqualTo(adminPort);
        }
    }

    @Test
    void aPortInUseFailsTheStartAndLeavesNoServerBehind() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int adminPort = probe.getLocalPort();
            probe.close();

            assertThatThrownBy(() -> AdminServers.start(loopback(adminPort), admin(), loopback(0),
                    AdminEndpoints.metrics(registry), loopback(taken.getLocalPort()), readiness()))
                    .isInstanceOf(IOException.class);

            try (ServerSocket again = new ServerSocket(adminPort, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).as("the admin server started first was closed").isEqualTo(adminPort);
            }
        }
    }

    @Test
    void refusesAnAdminAddressOffLoopback() {
        InetSocketAddress anyAddress = new InetSocketAddress(0);

        assertThatThrownBy(() -> AdminServers.start(anyAddress, admin(), loopback(0), AdminEndpoints.metrics(registry),
                loopback(0), readiness()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must listen on loopback");
    }
}
