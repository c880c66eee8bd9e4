package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-proxy {@code kill -9} and restart under load: a1 (node1) sends checksummed transfers to Service b (b1, b2 on
 * node2); node1's node-proxy is SIGKILLed and a new one started at once, into which the lab's node agent replays the
 * pods. Transfers in flight and those started while no process serves node1 fail and are counted; recovery is the time
 * from the kill to the first transfer from which on none failed, and the load must get healthy again within a bounded
 * wait ({@link MeshLab#STARTUP}).
 */
public final class NodeProxyKillScenario {

    public static final String NAME = "node-proxy-kill";
    static final String NODE = "node1";
    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyKillScenario.class);

    private NodeProxyKillScenario() {
    }

    /** Runs the scenario on a mesh from {@link FaultLab#standardMesh}; {@code after} is the load held after recovery. */
    public static ScenarioResult run(MeshLab mesh, Duration after, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        mesh.startNodeAgent(NODE);
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            long killedAt = System.currentTimeMillis();
            mesh.killNodeProxy(NODE);
            LOG.info("event=fault_injected scenario={} fault=node_proxy_sigkill node={}", NAME, NODE);
            mesh.restartNodeProxy(NODE);
            long replayedAt = System.currentTimeMillis();
            // the bounded wait is the recovery check: new connections work again, 20 in a row
            load.awaitHealthy(20, MeshLab.STARTUP);
            FaultLab.hold(mesh, after, List.of(mesh.nodeProxy(NODE).name(), "node-proxy-node2"));
            LoadTally all = load.stop();
            LoadTally since = all.startedBetween(killedAt, Long.MAX_VALUE);
            OptionalLong healthy = all.healthyFrom(killedAt);
            LoadTally afterRecovery = healthy.isPresent() ? all.startedBetween(healthy.getAsLong(), Long.MAX_VALUE)
                    : LoadTally.of(List.of());
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(killedAt);
            String notes = String.format(Locale.ROOT, "node1's node-proxy SIGKILLed and restarted at once; the new "
                            + "process had every pod replayed %.1f s after the kill; transfers started since the kill: "
                            + "%s; after recovery: %s; whole run: %s",
                    (replayedAt - killedAt) / 1000.0, since.summary(), afterRecovery.summary(), all.summary());
            return ScenarioResult.of(NAME, "node-proxy of the client's node SIGKILLed, restarted at once",
                    shape.describe() + "; a1 (node1) → Service b (b1, b2 on node2)", replayedAt - killedAt,
                    end - loadStart, all, healthy.isPresent() ? Math.max(0, healthy.getAsLong() - killedAt) : null,
                    "kill → new connections succeed for good", notes);
        }
    }
}
