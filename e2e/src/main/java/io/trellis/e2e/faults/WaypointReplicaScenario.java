package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.LabSpec.NodeSpec;
import io.trellis.install.lab.LabSpec.PodSpec;
import io.trellis.install.lab.LabSpec.ServicePort;
import io.trellis.install.lab.LabSpec.ServiceSpec;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A waypoint with two replicas, one SIGKILLed under load: Service b (b1, b2 on node2) is bound to waypoint
 * {@code b-waypoint}, which runs in pods wp1 (node1) and wp2 (node2); the Gateway lists both pod IPs, so node-proxies
 * spread connections over them and fail over to the other when a connect fails. a1 sends checksummed transfers to
 * Service b; wp1 is killed. Only the transfers in flight on wp1 at that moment may fail.
 */
public final class WaypointReplicaScenario {

    public static final String NAME = "waypoint-replica-kill";
    static final MeshLab.Waypoint WAYPOINT = new MeshLab.Waypoint("b-waypoint", "default", "wp1");
    private static final Logger LOG = LoggerFactory.getLogger(WaypointReplicaScenario.class);

    private WaypointReplicaScenario() {
    }

    /** The lab: a1 on node1, b1 and b2 on node2 behind Service b (via the waypoint), replicas wp1 (node1), wp2 (node2). */
    public static MeshLab.Options options() {
        Map<String, String> waypointLabels = Map.of("gateway.networking.k8s.io/gateway-name", WAYPOINT.gateway(),
                "trellis.io/dataplane-mode", "none");
        LabSpec spec = new LabSpec(FaultLab.prefix(),
                List.of(new NodeSpec("node1"), new NodeSpec("node2")),
                List.of(new PodSpec("a1", "default", "a", Map.of("app", "a"), "node1"),
                        new PodSpec("b1", "default", "b", Map.of("app", "b"), "node2"),
                        new PodSpec("b2", "default", "b", Map.of("app", "b"), "node2"),
                        new PodSpec("wp1", "default", WAYPOINT.gateway(), waypointLabels, "node1"),
                        new PodSpec("wp2", "default", WAYPOINT.gateway(), waypointLabels, "node2")),
                List.of(new ServiceSpec("b", "default", Map.of("app", "b"),
                        List.of(new ServicePort("http", FaultLab.SERVICE_PORT, FaultLab.APP_PORT)),
                        Map.of("trellis.io/use-waypoint", WAYPOINT.gateway()))));
        return new MeshLab.Options(spec, "node1", Set.of("wp1", "wp2"), Map.of(), List.of(WAYPOINT));
    }

    /** Runs the scenario on a mesh started with {@link #options}. */
    public static ScenarioResult run(MeshLab mesh, Duration after, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        mesh.startWaypointReplicas(WAYPOINT, List.of("wp2"));
        String replicas = "\"" + mesh.lab().pod("wp1").ip() + ":15008\",\"" + mesh.lab().pod("wp2").ip() + ":15008\"";
        io.trellis.e2e.Poll.until("node1's config_dump listing both waypoint replicas " + replicas, MeshLab.STARTUP,
                () -> mesh.configDump("node1").replaceAll("\\s", "").contains(replicas));
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", mesh.serviceVip("b"), FaultLab.SERVICE_PORT,
                shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            double viaWp1 = requestsOn(mesh, "wp1");
            double viaWp2 = requestsOn(mesh, "wp2");
            long loadStart = load.tally().transfers().getFirst().startMillis();
            long killStart = System.currentTimeMillis();
            FaultLab.killNine(mesh.process(MeshLab.waypointProcess(WAYPOINT)));
            long killedAt = System.currentTimeMillis();
            LOG.info("event=fault_injected scenario={} fault=waypoint_replica_sigkill pod=wp1", NAME);
            FaultLab.hold(mesh, after, List.of("node-proxy-node1", "node-proxy-node2",
                    MeshLab.waypointReplicaProcess(WAYPOINT, "wp2")));
            LoadTally all = load.stop();
            LoadTally inFlight = LoadTally.of(all.transfers().stream()
                    .filter(t -> t.startMillis() < killedAt && t.endMillis() >= killStart).toList());
            LoadTally startedAfter = all.startedBetween(killedAt, Long.MAX_VALUE);
            var healthy = all.healthyFrom(killStart);
            long end = all.transfers().stream().mapToLong(Transfer::endMillis).max().orElse(killedAt);
            String notes = String.format(Locale.ROOT, "replica wp1 SIGKILLed (wp2 left); before the kill the "
                            + "replicas had served %.0f and %.0f requests (waypoint metrics); transfers in flight at "
                            + "the kill: %s; started after it: %s; whole run: %s",
                    viaWp1, viaWp2, inFlight.summary(), startedAfter.summary(), all.summary());
            return ScenarioResult.of(NAME, "one of two waypoint replicas SIGKILLed",
                    shape.describe() + "; a1 → Service b via waypoint b-waypoint (wp1, wp2)", after.toMillis(),
                    end - loadStart, all, healthy.isPresent() ? Math.max(0, healthy.getAsLong() - killStart) : null,
                    "kill → no more failures", notes);
        }
    }

    /** Requests the waypoint replica in {@code pod} has counted (istio_requests_total, every series). */
    private static double requestsOn(MeshLab mesh, String pod) {
        var pod0 = mesh.lab().pod(pod);
        String text = mesh.nodeGet(pod0.nodeName(), "http://" + pod0.ip() + ":15020/stats/prometheus");
        return io.trellis.e2e.Prometheus.sum(new io.trellis.e2e.Prometheus(text).lines("istio_requests_total"));
    }
}
