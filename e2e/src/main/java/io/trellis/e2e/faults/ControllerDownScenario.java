package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controller down under load: a1 sends checksummed transfers to Service b (b1 and b2 on node2, through both
 * node-proxies and HBONE), the controller is killed with SIGKILL, the load runs on for {@code down}, then the
 * controller comes back and the node-proxies reconnect. Established workloads must see no failure at all: the
 * node-proxies keep their last config and certificates (certificates live 24 h, far beyond any outage here).
 */
public final class ControllerDownScenario {

    public static final String NAME = "controller-down";
    private static final Logger LOG = LoggerFactory.getLogger(ControllerDownScenario.class);

    private ControllerDownScenario() {
    }

    /** Runs the scenario on a mesh from {@link FaultLab#standardMesh}. */
    public static ScenarioResult run(MeshLab mesh, Duration down, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            long killedAt = System.currentTimeMillis();
            FaultLab.killNine(mesh.process("controller"));
            LOG.info("event=fault_injected scenario={} fault=controller_sigkill hold_s={}", NAME, down.toSeconds());
            FaultLab.hold(mesh, down, FaultLab.nodeProxies(mesh));
            long restartAt = System.currentTimeMillis();
            mesh.restartController();
            Poll.until("both node-proxies reconnected to the restarted controller", MeshLab.STARTUP,
                    () -> FaultLab.xdsConnected(mesh, "node1") && FaultLab.xdsConnected(mesh, "node2"));
            long reconnected = System.currentTimeMillis();
            // a few seconds of load on the reconnected mesh: a resync must not disturb traffic either
            FaultLab.hold(mesh, Duration.ofSeconds(3), FaultLab.nodeProxies(mesh));
            LoadTally all = load.stop();
            LoadTally during = all.startedBetween(killedAt, restartAt);
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(killedAt);
            String notes = String.format(java.util.Locale.ROOT,
                    "controller SIGKILLed for %.0f s; %d transfers started while it was down (%d failed); the "
                            + "node-proxies were back on xDS %.1f s after the restart began; every transfer: %s",
                    (restartAt - killedAt) / 1000.0, during.total(), during.failed(),
                    (reconnected - restartAt) / 1000.0, all.summary());
            return ScenarioResult.of(NAME, "controller SIGKILL, restarted after the hold",
                    shape.describe() + "; a1 → Service b (b1, b2 on node2)", restartAt - killedAt, end - loadStart,
                    all, reconnected - restartAt, "restart → node-proxies back on xDS", notes);
        }
    }
}
