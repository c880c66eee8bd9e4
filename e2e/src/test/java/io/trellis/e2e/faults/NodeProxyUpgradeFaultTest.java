package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8 (node-proxy upgrade): a graceful upgrade under load fails nothing, long transfers across it included. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NodeProxyUpgradeFaultTest {

    @Test
    void aGracefulUpgradeFailsNoTransferAndLongTransfersCompleteVerified() {
        FaultTests.assumeLab();
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = NodeProxyUpgradeScenario.run(mesh,
                    FaultTests.duration(Duration.ofSeconds(5), Duration.ofMinutes(1)), LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.failed()).as("failed transfers across the upgrade: " + r.notes()).isZero();
            assertThat(r.corrupted()).isZero();
            assertThat(r.notes()).as("load ran during the upgrade")
                    .containsPattern("started during the upgrade: ok=[1-9]\\d* failed=0 ");
            assertThat(r.notes()).as("the long transfers were open on the old process and all verified")
                    .containsPattern("long transfers of \\d+ MiB open across the drain: ok="
                            + NodeProxyUpgradeScenario.LONG_TRANSFERS + " failed=0 ");
            java.util.regex.Matcher open = java.util.regex.Pattern
                    .compile("SIGTERM to the old: (\\d+) connections open on it").matcher(r.notes());
            assertThat(open.find()).as(r.notes()).isTrue();
            assertThat(Integer.parseInt(open.group(1))).as("the long transfers were on the old process at SIGTERM")
                    .isGreaterThanOrEqualTo(NodeProxyUpgradeScenario.LONG_TRANSFERS);
            assertThat(r.verifiedBytes()).as("the long transfers' bytes, both ways, are verified")
                    .isGreaterThanOrEqualTo(2L * NodeProxyUpgradeScenario.LONG_TRANSFERS
                            * NodeProxyUpgradeScenario.LONG_TRANSFER_BYTES);
        }
    }
}
