package io.trellis.e2e.faults;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint pod killed under load: a1 sends to Service b (b1 and b2), and b2's server is SIGKILLed. Until the pod
 * is known dead, transfers the node-proxy sends to b2 fail (the destination node-proxy cannot connect and answers the
 * CONNECT with an error, so a1's connection is closed). A {@link KubeletProbe} (exec probe every
 * {@code probePeriod}, 3 failures) marks the pod failed, the controller marks the workload unhealthy, the node-proxies
 * stop choosing it. Recovery: from the kill to the first transfer after which none failed.
 */
public final class EndpointKillScenario {

    public static final String NAME = "endpoint-kill";
    private static final int FAILURE_THRESHOLD = 3;
    private static final Logger LOG = LoggerFactory.getLogger(EndpointKillScenario.class);

    private EndpointKillScenario() {
    }

    public static ScenarioResult run(MeshLab mesh, Duration probePeriod, Duration after, LoadShape shape) {
        var targets = FaultLab.startTargets(mesh, List.of("b1", "b2"));
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            long killedAt = System.currentTimeMillis();
            FaultLab.killNine(targets.get("b2"));
            LOG.info("event=fault_injected scenario={} fault=endpoint_sigkill pod=b2", NAME);
            long markedAt = KubeletProbe.probeUntilNotReady(mesh, "b2", FaultLab.APP_PORT, probePeriod,
                    FAILURE_THRESHOLD, Duration.ofSeconds(60));
            Poll.until("node1's config_dump showing b2 unhealthy", Duration.ofSeconds(60),
                    () -> b2Unhealthy(mesh.configDump("node1"), mesh.lab().pod("b2").ip()));
            long removedAt = System.currentTimeMillis();
            load.awaitHealthy(Math.max(20, (int) (shape.rate() * 2)), Duration.ofSeconds(60));
            FaultLab.hold(mesh, after, FaultLab.nodeProxies(mesh));
            LoadTally all = load.stop();
            var healthy = all.healthyFrom(killedAt);
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(killedAt);
            LoadTally afterRemoval = all.startedBetween(removedAt, Long.MAX_VALUE);
            String notes = String.format(Locale.ROOT, "b2's server SIGKILLed; the probe (every %d ms, %d failures) "
                            + "marked it failed %.1f s after the kill; node1 had it unhealthy %.1f s after that; "
                            + "transfers started after that: %s; whole run: %s",
                    probePeriod.toMillis(), FAILURE_THRESHOLD, (markedAt - killedAt) / 1000.0,
                    (removedAt - markedAt) / 1000.0, afterRemoval.summary(), all.summary());
            return ScenarioResult.of(NAME, "endpoint b2's app SIGKILLed; exec readiness probe marks the pod failed",
                    shape.describe() + "; a1 → Service b (b1, b2)", removedAt - killedAt, end - loadStart, all,
                    healthy.isPresent() ? Math.max(0, healthy.getAsLong() - killedAt) : null,
                    "kill → no more failures", notes);
        }
    }

    /** Whether the config dump lists the workload with {@code ip} as unhealthy (or no longer lists it). */
    static boolean b2Unhealthy(String configDump, String ip) {
        if (configDump.isBlank()) {
            return false;
        }
        try {
            for (JsonNode w : new ObjectMapper().readTree(configDump).path("workloads")) {
                for (JsonNode a : w.path("addresses")) {
                    if (a.asText().equals(ip)) {
                        return !w.path("healthy").asBoolean(true);
                    }
                }
            }
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
