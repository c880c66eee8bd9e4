package io.trellis.node.proxy;

import static io.trellis.node.state.TestMesh.addr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.proxy.core.TunnelException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Ejection on consecutive connect failures, growing ejection time, the half-of-the-group cap, and what is retried. */
class EndpointHealthTest {

    private static final long SECOND = 1_000_000_000L;
    private static final InetSocketAddress A = addr("10.1.0.1", 8080);
    private static final InetSocketAddress B = addr("10.1.0.2", 8080);
    private static final InetSocketAddress C = addr("10.1.0.3", 8080);
    private static final InetSocketAddress D = addr("10.1.0.4", 8080);
    private static final List<InetSocketAddress> GROUP = List.of(A, B, C, D);

    private final AtomicLong now = new AtomicLong(-5 * SECOND); // nanoTime may be negative
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double ejections() {
        var c = registry.find("trellis_node_endpoint_ejections_total").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void ejectionGrowsWithEachEjectionUpToTheCapAndASuccessForgetsIt() {
        EndpointHealth health = new EndpointHealth(registry, now::get, 1, Duration.ofSeconds(5), Duration.ofSeconds(12));
        long[] expectedSeconds = {5, 10, 12, 12};
        for (long seconds : expectedSeconds) {
            assertThat(health.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, A, GROUP, "refused")).isTrue();
            assertThat(health.ejected(A)).isTrue();
            now.addAndGet(seconds * SECOND - 1);
            assertThat(health.ejected(A)).as("still out just before %d s", seconds).isTrue();
            now.addAndGet(1);
            assertThat(health.ejected(A)).as("back after %d s", seconds).isFalse();
        }
        assertThat(ejections()).isEqualTo(4);
        health.connected(A);
        health.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, A, GROUP, "refused");
        assertThat(health.ejections()).singleElement().satisfies(e -> assertThat(e.remainingMillis()).isEqualTo(5_000));
    }

    @Test
    void aThresholdOfTwoNeedsTwoFailuresInARow() {
        EndpointHealth health = new EndpointHealth(registry, now::get, 2, Duration.ofSeconds(5), Duration.ofSeconds(60));
        assertThat(health.connectFailed(EndpointHealth.Kind.WAYPOINT, A, GROUP, "refused")).isFalse();
        health.connected(A);
        assertThat(health.connectFailed(EndpointHealth.Kind.WAYPOINT, A, GROUP, "refused")).isFalse();
        assertThat(health.connectFailed(EndpointHealth.Kind.WAYPOINT, A, GROUP, "refused")).isTrue();
        assertThat(registry.find("trellis_node_endpoint_ejections_total").tag("kind", "waypoint").counter().count())
                .isEqualTo(1);
    }

    @Test
    void neverMoreThanHalfOfAGroupIsEjected() {
        EndpointHealth health = new EndpointHealth(registry, now::get);
        for (InetSocketAddress a : GROUP) {
            health.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, a, GROUP, "refused");
        }
        assertThat(health.ejections()).hasSize(2);
        assertThat(registry.find("trellis_node_endpoints_ejected").gauge().value()).isEqualTo(2);
        // Of three, one; of one, none.
        EndpointHealth three = new EndpointHealth(new SimpleMeterRegistry(), now::get);
        for (InetSocketAddress a : List.of(A, B, C)) {
            three.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, a, List.of(A, B, C), "refused");
        }
        assertThat(three.ejections()).hasSize(1);
        EndpointHealth one = new EndpointHealth(new SimpleMeterRegistry(), now::get);
        assertThat(one.connectFailed(EndpointHealth.Kind.SERVICE_ENDPOINT, A, List.of(A), "refused")).isFalse();
        // When every candidate is ejected, all of them stay usable: ejection only steers, it never refuses.
        assertThat(health.usable(List.of(A, B), a -> a)).containsExactly(A, B);
        assertThat(health.usable(List.of(A, B, C, D), a -> a)).containsExactly(C, D);
    }

    @Test
    void badSettingsAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> new EndpointHealth(registry, now::get, 0, Duration.ofSeconds(5), Duration.ofSeconds(6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold=0");
    }

    @Test
    void onlyFailuresBeforeTheRequestWasDecidedBlameTheEndpoint() {
        assertThat(ConnectFailures.endpointAtFault(new ConnectException("Connection refused"))).isTrue();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.ConnectFailed(A, "refused", null))).isTrue();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.Closed("connection closed"))).isTrue();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.Rejected(503, "no route", "no route"))).isTrue();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.Rejected(502, "app refused", "app refused"))).isTrue();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.Rejected(403, "denied", "denied"))).isFalse();
        assertThat(ConnectFailures.endpointAtFault(new TunnelException.Rejected(400, "bad authority", "bad authority"))).isFalse();
        assertThat(ConnectFailures.endpointAtFault(new OutboundRefused("no healthy endpoint", "no_healthy_endpoint")))
                .isFalse();
    }
}
