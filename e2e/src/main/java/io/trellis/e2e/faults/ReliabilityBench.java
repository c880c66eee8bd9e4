package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./trellis bench reliability} (root): runs the fault scenarios, each on a fresh lab mesh, and writes the
 * reliability report ({@code report.md} plus one JSON file per scenario) into {@code --out}. The same scenarios run as
 * the e2e tests in {@code io.trellis.e2e.faults}; this command is for the long versions and for refreshing the
 * committed report.
 */
@Command(name = "bench reliability", mixinStandardHelpOptions = true,
        description = "Fault scenarios under steady checksummed load in the lab; writes the reliability report "
                + "(needs root).")
public final class ReliabilityBench implements Callable<Integer> {

    @Option(names = "--scenario", split = ",", description = "Scenarios to run (default: all): ${COMPLETION-CANDIDATES}")
    List<Scenario> scenarios = List.of(Scenario.values());
    @Option(names = "--long", description = "The long versions: controller down 5 min, partition 2 min, ...")
    boolean longRun;
    @Option(names = "--out", defaultValue = "perf/results/reliability", description = "Report directory.")
    Path out;

    /** The scenarios this command can run. */
    enum Scenario {
        controller_down, controller_restart, node_proxy_kill, node_proxy_upgrade, waypoint_replica_kill, endpoint_kill,
        partition_heal
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReliabilityBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() {
        List<String> missing = MeshLab.missingPrerequisites();
        if (!missing.isEmpty()) {
            System.err.println("error: the reliability scenarios need " + missing);
            return 2;
        }
        ReliabilityReport report = new ReliabilityReport(out);
        Map<Scenario, Function<MeshLab, ScenarioResult>> runs = new LinkedHashMap<>();
        LoadShape shape = LoadShape.DEFAULT;
        runs.put(Scenario.controller_down, mesh -> ControllerDownScenario.run(mesh,
                pick(Duration.ofSeconds(30), Duration.ofMinutes(5)), shape));
        runs.put(Scenario.controller_restart, mesh -> ControllerRestartScenario.run(mesh,
                pick(Duration.ofSeconds(10), Duration.ofMinutes(2)), shape));
        runs.put(Scenario.node_proxy_kill, mesh -> NodeProxyKillScenario.run(mesh,
                pick(Duration.ofSeconds(10), Duration.ofMinutes(2)), shape));
        runs.put(Scenario.node_proxy_upgrade, mesh -> NodeProxyUpgradeScenario.run(mesh,
                pick(Duration.ofSeconds(5), Duration.ofMinutes(1)), shape));
        runs.put(Scenario.waypoint_replica_kill, mesh -> WaypointReplicaScenario.run(mesh,
                pick(Duration.ofSeconds(10), Duration.ofMinutes(2)), shape));
        runs.put(Scenario.endpoint_kill, mesh -> EndpointKillScenario.run(mesh, Duration.ofSeconds(1),
                pick(Duration.ofSeconds(5), Duration.ofMinutes(1)), shape));
        runs.put(Scenario.partition_heal, mesh -> PartitionScenario.run(mesh,
                pick(Duration.ofSeconds(10), Duration.ofMinutes(2)), shape));
        int failures = 0;
        String markdown = "";
        for (Scenario s : scenarios) {
            System.out.println("scenario " + s + (longRun ? " (long)" : "") + " ...");
            try (MeshLab mesh = s == Scenario.waypoint_replica_kill ? MeshLab.start(WaypointReplicaScenario.options())
                    : FaultLab.standardMesh()) {
                ScenarioResult r = runs.get(s).apply(mesh);
                markdown = report.add(r);
                System.out.printf("scenario %s: ok=%d failed=%d corrupted=%d verified_bytes=%d recovery_ms=%s%n",
                        r.scenario(), r.ok(), r.failed(), r.corrupted(), r.verifiedBytes(), r.recoveryMillis());
            } catch (RuntimeException e) {
                failures++;
                System.err.println("scenario " + s + " failed: " + e.getMessage());
            }
        }
        System.out.println(markdown);
        System.out.println("report: " + out.resolve("report.md").toAbsolutePath());
        return failures == 0 ? 0 : 1;
    }

    private Duration pick(Duration normal, Duration longer) {
        return longRun ? longer : normal;
    }
}
