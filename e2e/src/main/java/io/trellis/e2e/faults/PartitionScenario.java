package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition between node1 and node2 (DROP on the underlay, {@link UnderlayPartition}) under load from a1 to Service b
 * (both endpoints on node2), then healed. Transfers time out while it lasts; after the heal the path must recover by
 * itself and no transfer may deliver corrupted bytes. Recovery is measured from the heal to the first transfer after
 * which none failed.
 */
public final class PartitionScenario {

    public static final String NAME = "partition-heal";
    private static final Logger LOG = LoggerFactory.getLogger(PartitionScenario.class);

    private PartitionScenario() {
    }

    public static ScenarioResult run(MeshLab mesh, Duration partition, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            long cutAt;
            long healedAt;
            try (UnderlayPartition cut = UnderlayPartition.cut(mesh.lab().node("node1"), mesh.lab().node("node2"))) {
                // after the rules are in: transfers started while they were being added may still have passed
                cutAt = System.currentTimeMillis();
                LOG.info("event=fault_injected scenario={} fault=partition nodes=node1,node2 hold_s={}", NAME,
                        partition.toSeconds());
                FaultLab.hold(mesh, partition, FaultLab.nodeProxies(mesh));
                cut.close();
                healedAt = System.currentTimeMillis();
            }
            LOG.info("event=fault_healed scenario={}", NAME);
            // healthy again: a run of successes as long as the timeout allows failures in flight to finish
            load.awaitHealthy(Math.max(20, (int) (shape.rate() * shape.timeoutMillis() / 1000) + 10),
                    Duration.ofSeconds(120));
            LoadTally all = load.stop();
            LoadTally during = all.startedBetween(cutAt, healedAt);
            LoadTally before = all.startedBetween(0, cutAt);
            var healthy = all.healthyFrom(healedAt);
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(healedAt);
            String notes = String.format(Locale.ROOT, "node1 and node2 cut apart for %.1f s (iptables DROP in node1's "
                            + "namespace, both directions); before: %s; started during the cut: %s; after the heal "
                            + "the path was healthy for good %s",
                    (healedAt - cutAt) / 1000.0, before.summary(), during.summary(),
                    healthy.isPresent() ? String.format(Locale.ROOT, "%.1f s after it",
                            (healthy.getAsLong() - healedAt) / 1000.0) : "never within the run");
            return ScenarioResult.of(NAME, "underlay partition node1 ↔ node2, then healed",
                    shape.describe() + "; a1 → Service b (node2)", healedAt - cutAt, end - loadStart, all,
                    healthy.isPresent() ? Math.max(0, healthy.getAsLong() - healedAt) : null,
                    "heal → no more failures", notes);
        }
    }
}
