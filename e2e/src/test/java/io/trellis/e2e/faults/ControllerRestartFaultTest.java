package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8: "Controller restarted with a config change made during the outage: proxies converge". */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ControllerRestartFaultTest {

    @Test
    void proxiesConvergeOnAConfigChangeMadeWhileTheControllerWasDown() {
        FaultTests.assumeLab();
        Duration down = FaultTests.duration(Duration.ofSeconds(10), Duration.ofMinutes(2));
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = ControllerRestartScenario.run(mesh, down, LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.recoveryMillis()).as("converged: " + r.notes()).isNotNull();
            assertThat(r.notes()).contains("reachable before the restart: false");
            assertThat(r.corrupted()).as(r.notes()).isZero();
            assertThat(r.failed()).as("established load across the restart: " + r.notes()).isZero();
        }
    }
}
