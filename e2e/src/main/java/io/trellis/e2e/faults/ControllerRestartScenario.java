package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controller restarted with a config change made during the outage: under load (a1 to Service b), the controller is
 * SIGKILLed, a new Service {@code b-canary} (a fresh VIP, port {@value #NEW_PORT}, the same pods) is written into its
 * directory, and after {@code down} the controller starts again. The proxies must converge on the new config: a2
 * reaches the new VIP, which no node-proxy knew before, and node1's {@code /config_dump} lists it. Converged is
 * measured from the moment the restart began. The established load must not fail.
 */
public final class ControllerRestartScenario {

    public static final String NAME = "controller-restart-config-change";
    /** Outside the lab's allocations (service k = 10.96.0.(k+9)). */
    static final String NEW_VIP = "10.96.200.10";
    static final int NEW_PORT = 9090;
    private static final String FILE = "fault-b-canary.yaml";
    private static final Logger LOG = LoggerFactory.getLogger(ControllerRestartScenario.class);

    private ControllerRestartScenario() {
    }

    public static ScenarioResult run(MeshLab mesh, Duration down, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        String probe = "http://" + NEW_VIP + ":" + NEW_PORT + "/healthz";
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            if (reachable(mesh, probe)) {
                throw new IllegalStateException(NEW_VIP + " answers before the config change: the scenario would "
                        + "prove nothing");
            }
            long killedAt = System.currentTimeMillis();
            FaultLab.killNine(mesh.process("controller"));
            mesh.writeConfig(FILE, """
                    # Written by the controller-restart fault scenario while the controller was down.
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: b-canary
                      namespace: default
                    spec:
                      clusterIP: %s
                      selector:
                        app: b
                      ports:
                        - name: http
                          port: %d
                          targetPort: %d
                    """.formatted(NEW_VIP, NEW_PORT, FaultLab.APP_PORT));
            LOG.info("event=fault_injected scenario={} fault=controller_sigkill config_change=service_b_canary", NAME);
            FaultLab.hold(mesh, down, FaultLab.nodeProxies(mesh));
            boolean servedWhileDown = reachable(mesh, probe);
            long restartAt = System.currentTimeMillis();
            mesh.restartController();
            long readyAt = System.currentTimeMillis();
            Poll.until("a2 reaching the new Service " + NEW_VIP + ":" + NEW_PORT + " after the restart",
                    Duration.ofSeconds(90), () -> reachable(mesh, probe));
            long convergedAt = System.currentTimeMillis();
            Poll.until("node1's config_dump listing the new VIP", Duration.ofSeconds(10),
                    () -> mesh.configDump("node1").contains(NEW_VIP));
            Poll.until("node2's config_dump listing the new VIP", Duration.ofSeconds(30),
                    () -> mesh.configDump("node2").contains(NEW_VIP));
            long bothDumpsAt = System.currentTimeMillis();
            LoadTally all = load.stop();
            mesh.deleteConfig(FILE);
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(killedAt);
            String notes = String.format(Locale.ROOT, "Service b-canary (%s:%d) written while the controller was "
                            + "down; reachable before the restart: %s; controller ready %.1f s after the restart "
                            + "began; a2 reached the new VIP %.1f s after it began; both node-proxies' config_dump "
                            + "listed it after %.1f s; the load on Service b: %s",
                    NEW_VIP, NEW_PORT, servedWhileDown, (readyAt - restartAt) / 1000.0,
                    (convergedAt - restartAt) / 1000.0, (bothDumpsAt - restartAt) / 1000.0, all.summary());
            return ScenarioResult.of(NAME, "controller SIGKILL, new Service written during the outage, restart",
                    shape.describe() + "; a1 → Service b", restartAt - killedAt, end - loadStart, all,
                    convergedAt - restartAt, "restart → new Service served", notes);
        }
    }

    private static boolean reachable(MeshLab mesh, String url) {
        return mesh.lab().pod("a2").exec("curl", "-sf", "--max-time", "2", url).ok();
    }
}
