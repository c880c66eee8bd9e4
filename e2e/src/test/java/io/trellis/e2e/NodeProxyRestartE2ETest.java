package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.faults.FaultLab;
import io.trellis.e2e.faults.LoadShape;
import io.trellis.e2e.faults.LoadTally;
import io.trellis.e2e.faults.SteadyLoad;
import io.trellis.e2e.faults.Transfer;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-proxy of node1 replaced under steady load from pod a1 (node1) to Service b (b1, b2 on node2), one new
 * connection per checksummed transfer, with the lab's persistent node agent replaying the pods into every new process.
 * <ul>
 *   <li>{@code kill -9} and restart: the failures while no process serves node1 are counted, and new connections must
 *       work again within a bounded time (logged as {@code event=node_proxy_kill9}).</li>
 *   <li>Graceful upgrade (a new process beside the old one, then SIGTERM to the old): not one new connection may fail,
 *       and long transfers open on the old process when it got SIGTERM ({@link SlowTransferMain}, paced until the
 *       drain has begun) complete with matching checksums (logged as {@code event=node_proxy_upgrade}).</li>
 *   <li>The same upgrade of node2, the destination side: node1's pooled HBONE connections end at the old process,
 *       which sends them GOAWAY; no connection may fail ({@code event=node_proxy_upgrade_destination}).</li>
 * </ul>
 * The kill test runs first so the upgrade's old process is one the lab started with a drain timeout long enough for
 * the long transfers (the mesh's first node-proxies drain for only 1 s).
 */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeProxyRestartE2ETest {

    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyRestartE2ETest.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NODE = "node1";
    /** A new connection per transfer, 8 loops x 40/s: ~320 new connections a second offered, 1 KiB each way. */
    private static final LoadShape NEW_CONNECTIONS = new LoadShape(8, 25, 1024, 5000);
    /** Long transfers open across the upgrade, each paced to stay in flight until the old process drains. */
    private static final int SLOW_TRANSFERS = 2;
    private static final int SLOW_BYTES = 32 * 1024 * 1024;

    private static MeshLab mesh;
    private static String vip;

    @BeforeAll
    static void startMesh() {
        LabTests.assumeLab();
        mesh = LabTests.standardMesh(Set.of());
        FaultLab.startTargets(mesh, List.of("b1", "b2"));
        vip = mesh.serviceVip("b");
        mesh.startNodeAgent(NODE);
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void killNineThenRestartRecoversNewConnections() {
        try (SteadyLoad load = SteadyLoad.start(mesh, "kill9", "a1", vip, FaultLab.SERVICE_PORT, NEW_CONNECTIONS)) {
            load.awaitHealthy(40, WAIT);
            long killed = System.currentTimeMillis();
            mesh.killNodeProxy(NODE);
            mesh.restartNodeProxy(NODE);
            long replayed = System.currentTimeMillis();
            // The bounded wait is the assertion: new connections work again, 40 in a row.
            load.awaitHealthy(40, WAIT);
            LoadTally all = load.stop();
            LoadTally since = all.startedBetween(killed, Long.MAX_VALUE);
            OptionalLong healthy = all.healthyFrom(killed);
            assertThat(healthy).as("new connections recovered after the restart: " + all.summary()).isPresent();
            assertThat(all.corrupted()).as("no transfer came back with other bytes").isZero();
            LOG.info(String.format(Locale.ROOT, "event=node_proxy_kill9 offered_rps=%.0f achieved_rps=%.0f "
                    + "failed_after_kill=%d of %d recovered_after_ms=%d replayed_after_ms=%d failures=%s",
                    NEW_CONNECTIONS.rate(), rate(all), since.failed(), since.total(), healthy.getAsLong() - killed,
                    replayed - killed, since.failuresByKind()));
        }
    }

    @Test
    @Order(2)
    void upgradeBesideTheOldProcessFailsNothing() throws Exception {
        if (mesh.nodeProxy(NODE).name().equals("node-proxy-" + NODE)) {
            mesh.upgradeNodeProxy(NODE); // run alone: first get an old process that drains long enough
        }
        LabProcess old = mesh.nodeProxy(NODE);
        Path finish = mesh.lab().runDir().resolve("slow-transfers.finish");
        Files.deleteIfExists(finish);
        try (SteadyLoad shorts = SteadyLoad.start(mesh, "upgrade-new", "a1", vip, FaultLab.SERVICE_PORT,
                NEW_CONNECTIONS)) {
            shorts.awaitHealthy(40, WAIT);
            // Long transfers, open on the old process (the only one yet) until it has begun to drain.
            List<LabProcess> slow = new ArrayList<>();
            for (int i = 0; i < SLOW_TRANSFERS; i++) {
                slow.add(mesh.startApp("a1", "slow-transfer-" + i, ChildJvm.command(SlowTransferMain.class.getName(),
                        List.of(vip, String.valueOf(FaultLab.SERVICE_PORT), String.valueOf(SLOW_BYTES),
                                finish.toString()))));
            }
            for (LabProcess p : slow) {
                Poll.until(p.name() + " sending", WAIT, () -> p.log().contains("event=slow_transfer_started"));
            }
            Thread finisher = Thread.ofPlatform().name("finish-slow-transfers").start(() -> {
                Poll.until(old + " draining", WAIT.multipliedBy(2), () -> old.log().contains("event=drain_started"));
                try {
                    Files.writeString(finish, "finish\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long started = System.currentTimeMillis();
            MeshLab.NodeProxyUpgrade upgrade = mesh.upgradeNodeProxy(NODE);
            long done = System.currentTimeMillis();
            finisher.join();
            // Some more load on the new process alone.
            Poll.until("40 transfers on the new node-proxy alone", WAIT,
                    () -> shorts.tally().startedBetween(done, Long.MAX_VALUE).total() >= 40);
            LoadTally news = shorts.stop();
            for (LabProcess p : slow) {
                Poll.until(p.name() + " finished", WAIT, () -> !p.isAlive());
            }
            List<String> results = slow.stream().map(p -> p.log().lines().filter(l -> l.startsWith("result="))
                    .findFirst().orElse("result=none")).toList();
            LoadTally during = news.startedBetween(started, done);
            LOG.info(String.format(Locale.ROOT, "event=node_proxy_upgrade offered_rps=%.0f achieved_rps=%.0f "
                    + "new_connections_during_upgrade=%d failed=%d total=%d old_active_at_sigterm=%d "
                    + "long_transfers_open_across_the_drain=%s old_drained_ms=%d", NEW_CONNECTIONS.rate(), rate(news),
                    during.total(), news.failed(), news.total(), upgrade.oldActiveAtSigterm(), results,
                    upgrade.oldExitedMillis() - upgrade.sigtermMillis()));
            assertThat(news.failed()).as("new connections refused or failed across the upgrade: "
                    + news.summary()).isZero();
            assertThat(during.total()).as("load ran during the upgrade").isPositive();
            assertThat(upgrade.oldActiveAtSigterm()).as("the long transfers were on the old process at SIGTERM")
                    .isGreaterThanOrEqualTo(SLOW_TRANSFERS);
            assertThat(results).as("long transfers drained by the old process, checksums verified")
                    .allMatch(r -> r.startsWith("result=ok"));
        }
        CommandResult migrate = mesh.lab().pod("a1").exec("cat", "/proc/sys/net/ipv4/tcp_migrate_req");
        assertThat(migrate.stdout().strip()).as("listener migration on in the pod's namespace").isEqualTo("1");
    }

    @Test
    @Order(3)
    void upgradeOfTheDestinationNodeFailsNothing() {
        mesh.startNodeAgent("node2");
        try (SteadyLoad shorts = SteadyLoad.start(mesh, "upgrade-dst", "a1", vip, FaultLab.SERVICE_PORT,
                NEW_CONNECTIONS)) {
            shorts.awaitHealthy(40, WAIT);
            long started = System.currentTimeMillis();
            // node1's pooled HBONE connections to b1/b2 end at the old process: its drain sends them GOAWAY.
            MeshLab.NodeProxyUpgrade upgrade = mesh.upgradeNodeProxy("node2");
            long done = System.currentTimeMillis();
            Poll.until("40 transfers on the new node-proxy alone", WAIT,
                    () -> shorts.tally().startedBetween(done, Long.MAX_VALUE).total() >= 40);
            LoadTally news = shorts.stop();
            LoadTally during = news.startedBetween(started, done);
            LOG.info(String.format(Locale.ROOT, "event=node_proxy_upgrade_destination offered_rps=%.0f "
                    + "achieved_rps=%.0f new_connections_during_upgrade=%d failed=%d total=%d old_active_at_sigterm=%d "
                    + "old_drained_ms=%d", NEW_CONNECTIONS.rate(), rate(news), during.total(), news.failed(),
                    news.total(), upgrade.oldActiveAtSigterm(), upgrade.oldExitedMillis() - upgrade.sigtermMillis()));
            assertThat(news.failed()).as("connections failed across the destination's upgrade: " + news.summary())
                    .isZero();
            assertThat(during.total()).as("load ran during the upgrade").isPositive();
        }
    }

    private static double rate(LoadTally t) {
        List<Transfer> all = t.transfers();
        if (all.size() < 2) {
            return 0;
        }
        long first = all.stream().mapToLong(Transfer::startMillis).min().orElseThrow();
        long last = all.stream().mapToLong(Transfer::startMillis).max().orElseThrow();
        return last == first ? 0 : all.size() * 1000.0 / (last - first);
    }
}
