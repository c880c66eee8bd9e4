package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8: "Node-proxy kill -9 and restart: count the failures; new connections recover within seconds". */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NodeProxyKillFaultTest {

    @Test
    void newConnectionsRecoverAfterTheNodeProxyIsKilledAndRestarted() {
        FaultTests.assumeLab();
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = NodeProxyKillScenario.run(mesh,
                    FaultTests.duration(Duration.ofSeconds(10), Duration.ofMinutes(2)), LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.corrupted()).as(r.notes()).isZero();
            // the scenario's bounded wait already required 20 ok in a row; here: none failed after that point
            assertThat(r.recoveryMillis()).as("new connections recovered: " + r.notes()).isNotNull();
            assertThat(r.notes()).containsPattern("after recovery: ok=[1-9]\\d* failed=0 ");
            assertThat(r.ok()).as(r.notes()).isPositive();
        }
    }
}
