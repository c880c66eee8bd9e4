package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-proxy graceful upgrade under load: a1 (node1) sends checksummed transfers to Service b (b1, b2 on node2), and
 * {@value #LONG_TRANSFERS} long transfers of 32 MiB are open on node1's node-proxy when it is upgraded
 * ({@link MeshLab#upgradeNodeProxy}: a new process beside it, the pods replayed into it, SIGTERM to the old, which
 * drains). The long transfers are paced until the old process has begun to drain, so they cross it. Nothing may fail:
 * no new connection, no long transfer, no checksum.
 */
public final class NodeProxyUpgradeScenario {

    public static final String NAME = "node-proxy-upgrade";
    static final String NODE = "node1";
    static final int LONG_TRANSFERS = 2;
    static final int LONG_TRANSFER_BYTES = 32 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyUpgradeScenario.class);

    private NodeProxyUpgradeScenario() {
    }

    /** Runs the scenario on a mesh from {@link FaultLab#standardMesh}; {@code after} is the load held afterwards. */
    public static ScenarioResult run(MeshLab mesh, Duration after, LoadShape shape) {
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        mesh.startNodeAgent(NODE);
        // The mesh's first node-proxies drain for only 1 s; the lab starts later ones with a 30 s drain, long enough
        // for the long transfers. So first replace the original one (no load yet).
        mesh.upgradeNodeProxy(NODE);
        String vip = mesh.serviceVip("b");
        try (SteadyLoad load = SteadyLoad.start(mesh, NAME, "a1", vip, FaultLab.SERVICE_PORT, shape)) {
            load.awaitHealthy(20, MeshLab.STARTUP);
            long loadStart = load.tally().transfers().getFirst().startMillis();
            LabProcess old = mesh.nodeProxy(NODE);
            LongTransfers longs = LongTransfers.start(mesh, NAME + "-long", "a1", vip, FaultLab.SERVICE_PORT,
                    LONG_TRANSFERS, LONG_TRANSFER_BYTES);
            Thread releaser = longs.releaseWhen(old.name() + " draining", MeshLab.STARTUP,
                    () -> drainStarted(mesh, old));
            long startedAt = System.currentTimeMillis();
            LOG.info("event=fault_injected scenario={} fault=node_proxy_upgrade node={}", NAME, NODE);
            MeshLab.NodeProxyUpgrade upgrade = mesh.upgradeNodeProxy(NODE);
            long doneAt = System.currentTimeMillis();
            join(releaser);
            FaultLab.hold(mesh, after, List.of(upgrade.next().name(), "node-proxy-node2"));
            LoadTally shorts = load.stop();
            LoadTally longTally = longs.await(MeshLab.STARTUP);
            List<Transfer> every = new ArrayList<>(shorts.transfers());
            every.addAll(longTally.transfers());
            LoadTally all = LoadTally.of(every);
            LoadTally during = shorts.startedBetween(startedAt, doneAt);
            LoadTally afterwards = shorts.startedBetween(doneAt, Long.MAX_VALUE);
            long end = every.stream().mapToLong(Transfer::endMillis).max().orElse(doneAt);
            String notes = String.format(Locale.ROOT, "node1's node-proxy upgraded (new process beside the old, pods "
                            + "replayed, SIGTERM to the old: %d connections open on it at SIGTERM (-1: not logged), "
                            + "drained and exited "
                            + "%.1f s later); short transfers started during the upgrade: %s; after it: %s; "
                            + "%d long transfers of %d MiB open across the drain: %s; whole run (both kinds): %s",
                    upgrade.oldActiveAtSigterm(), (upgrade.oldExitedMillis() - upgrade.sigtermMillis()) / 1000.0,
                    during.summary(), afterwards.summary(), LONG_TRANSFERS, LONG_TRANSFER_BYTES >> 20,
                    longTally.summary(), all.summary());
            return ScenarioResult.of(NAME, "graceful node-proxy upgrade on the client's node (new beside old, SIGTERM, "
                            + "drain)", shape.describe() + " + " + LONG_TRANSFERS + " long transfers of "
                            + (LONG_TRANSFER_BYTES >> 20) + " MiB; a1 (node1) → Service b (b1, b2 on node2)",
                    doneAt - startedAt, end - loadStart, all, upgrade.oldExitedMillis() - upgrade.sigtermMillis(),
                    "SIGTERM → old process drained and exited", notes);
        }
    }

    /**
     * Whether {@code old} has begun to drain: its log says so, or (when it logs at WARN, as under {@code ./trellis
     * bench}, whose classpath's first logback.xml is not the test one) it no longer owns a listening socket in a1's
     * namespace: closing its listeners is the drain's first step. Uses no {@link MeshLab} method, as the upgrade holds
     * the mesh's lock meanwhile.
     */
    private static boolean drainStarted(MeshLab mesh, LabProcess old) {
        if (old.log().contains("event=drain_started") || !old.isAlive()) {
            return true;
        }
        String listeners = mesh.lab().pod("a1").exec("ss", "-Hltnp").stdout();
        return ProcessHandle.of(old.pid()).stream()
                .flatMap(h -> java.util.stream.Stream.concat(java.util.stream.Stream.of(h), h.descendants()))
                .noneMatch(h -> listeners.contains("pid=" + h.pid() + ","));
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while releasing the long transfers", e);
        }
    }
}
