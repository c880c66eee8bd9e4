package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Prometheus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8: "Controller down: zero failed requests between established workloads". 30 s down in the normal build,
 * 5 minutes with {@code -Dtrellis.long=true}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ControllerDownFaultTest {

    @Test
    void noTransferFailsWhileTheControllerIsDown() {
        FaultTests.assumeLab();
        Duration down = FaultTests.duration(Duration.ofSeconds(30), Duration.ofMinutes(5));
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = ControllerDownScenario.run(mesh, down, LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.corrupted()).as(r.notes()).isZero();
            assertThat(r.failed()).as("failed transfers with the controller down: " + r.notes()).isZero();
            // the load really ran through the outage: at least a quarter of the target rate
            assertThat(r.ok()).as(r.notes()).isGreaterThan((long) (LoadShape.DEFAULT.rate() * down.toSeconds() / 4));
            assertThat(r.recoveryMillis()).as("node-proxies reconnected").isNotNull();
            // the certificate gauges are on 15020 for the identities in use, with most of a day left
            List<String> expiry = mesh.metrics("node1").withLabels("trellis_certificate_expiry_seconds",
                    "identity=\"spiffe://cluster.local/ns/default/sa/a\"");
            assertThat(expiry).hasSize(1);
            assertThat(Prometheus.sum(expiry)).isGreaterThan(Duration.ofHours(12).toSeconds());
            assertThat(mesh.metrics("node2").withLabels("trellis_certificate_renewal_failures_total",
                    "identity=\"spiffe://cluster.local/ns/default/sa/b\"")).hasSize(1);
        }
    }
}
