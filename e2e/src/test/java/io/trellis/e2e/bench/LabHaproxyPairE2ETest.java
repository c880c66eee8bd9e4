package io.trellis.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.Lab;
import io.trellis.install.lab.LabManager;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.LabSpec.NodeSpec;
import io.trellis.install.lab.LabSpec.PodSpec;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lab benchmark's L4 peer between two real network namespaces (as root, with Debian's haproxy), no mesh needed:
 * a pod on node1 reaches the target and the sink on node2 through HAProxy in node1's namespace and HAProxy in
 * node2's, and the hop between the nodes is mutual TLS: B answers a client that presents the tunnel's client
 * certificate and refuses one that presents none.
 */
@Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
class LabHaproxyPairE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final long SINK_BYTES = 8L << 20;

    private static Lab lab;
    private static LabHaproxyPair pair;

    @BeforeAll
    static void startPair() throws Exception {
        List<String> missing = MeshLab.missingPrerequisites();
        Assumptions.assumeTrue(missing.isEmpty(), "the lab needs " + missing);
        Assumptions.assumeTrue(MeshLab.onPath("haproxy"), "haproxy is not installed (apt-get install -y haproxy)");
        byte[] id = new byte[3];
        new SecureRandom().nextBytes(id);
        lab = LabManager.system().up(new LabSpec("trhpe2e-" + HexFormat.of().formatHex(id),
                List.of(new NodeSpec("node1"), new NodeSpec("node2")),
                List.of(new PodSpec("a2", "default", "a", Map.of("app", "a"), "node1"),
                        new PodSpec("b2", "default", "b", Map.of("app", "b"), "node2")),
                List.of()));
        LabProcess target = lab.pod("b2").start("target", ChildJvm.command(LabTargetMain.class.getName(),
                List.of(String.valueOf(BenchTopology.APP_PORT), "1024")));
        LabProcess sink = lab.pod("b2").start("sink", ChildJvm.command(LabSinkMain.class.getName(),
                List.of(String.valueOf(BenchTopology.SINK_PORT), String.valueOf(SINK_BYTES))));
        Await.until("target and sink listening in b2", WAIT, () -> target.log().contains("event=target_listening")
                && sink.log().contains("event=sink_listening"));
        pair = LabHaproxyPair.start(lab, "b2");
        Await.until("HTTP through the HAProxy pair from a2 (" + entryUrl() + ")", WAIT, () -> {
            assertThat(pair.alive()).as("both HAProxies running; their logs:\n%s", pair.logs()).isTrue();
            return lab.pod("a2").exec("curl", "-sf", "--max-time", "3", "-o", "/dev/null", entryUrl()).ok();
        });
    }

    private static String entryUrl() {
        return "http://" + pair.entryHost() + ":" + BenchTopology.HAPROXY_PAIR_ENTRY_PORTS.getFirst() + "/";
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aPodOnNode1ReachesTheTargetOnNode2ThroughBothHaproxies() throws Exception {
        CommandResult size = lab.pod("a2").exec("curl", "-sf", "--max-time", "5", "-o", "/dev/null", "-w",
                "%{size_download}", entryUrl());

        assertThat(size.stdout().trim()).isEqualTo("1024");
        assertThat(Files.readString(Path.of("/proc", String.valueOf(pair.entryPid()), "comm")).trim())
                .isEqualTo("haproxy");
        assertThat(Files.readString(Path.of("/proc", String.valueOf(pair.exitPid()), "comm")).trim())
                .isEqualTo("haproxy");
    }

    @Test
    void theHopBetweenTheNodesRequiresTheTunnelsClientCertificate() {
        Path dir = lab.runDir().resolve("haproxy-pair");
        String tunnel = "https://" + lab.node("node2").ip() + ":" + BenchTopology.HAPROXY_PAIR_TUNNEL_PORTS.getFirst()
                + "/";
        // B's certificate names a SPIFFE id, not an address: -k skips only the client's check of the server, while B
        // still requires and verifies the client's certificate
        Await.until("B answering TLS with A's client certificate (" + tunnel + " from node1)", WAIT, () -> lab
                .node("node1").exec("curl", "-sfk", "--max-time", "3", "--cert", dir.resolve("a.pem").toString(),
                        "-o", "/dev/null", tunnel).ok());

        CommandResult anonymous = lab.node("node1").exec("curl", "-sfk", "--max-time", "3", "-o", "/dev/null", tunnel);

        assertThat(anonymous.ok()).as("a client without a certificate is refused: %s", anonymous).isFalse();
    }

    @Test
    void aSingleStreamTransferReachesTheSinkThroughThePair() throws Exception {
        Path result = lab.runDir().resolve("bulk-e2e.json");
        Files.deleteIfExists(result);
        LabProcess bulk = lab.pod("a2").start("bulk", ChildJvm.command(LabLoadMain.class.getName(), List.of("bulk",
                pair.entryHost(), String.valueOf(BenchTopology.HAPROXY_PAIR_ENTRY_PORTS.get(1)),
                String.valueOf(SINK_BYTES), result.toString())));
        Await.until("the transfer through the pair", Duration.ofSeconds(60), () -> !bulk.isAlive());

        assertThat(result).as("the loader's log:\n%s", bulk.log()).exists();
        Map<?, ?> r = new ObjectMapper().readValue(result.toFile(), Map.class);
        assertThat(((Number) r.get("bytes")).longValue()).isEqualTo(SINK_BYTES);
        assertThat(((Number) r.get("nanos")).longValue()).isPositive();
    }
}
