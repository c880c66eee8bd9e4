package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabProcess;
import io.trellis.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node-proxy's remaining traffic paths end to end, as root, with an unmodified app that answers
 * every request with the client address it sees:
 * <ul>
 *   <li>same-node fast path: a1 -> a2 (both on node1) works without any packet of it on node1's
 *       interfaces (no HBONE, nothing on the underlay), is counted by both reporters with mutual_tls,
 *       and a DENY policy of the destination still refuses it;
 *   <li>source-IP preservation: the app in a2 sees a1's IP (fast path), b1's IP (HBONE from node2) and
 *       b2's IP (b2 is outside the mesh, so its connection arrives on a2's 15006);
 *   <li>500 silent connections from b2 held on a2's 15006 while a1 and b1 are still served.
 * </ul>
 */
@Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
class NodeProxyPathsE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int APP_PORT = 8080;
    /** Outside the mesh: a plain client whose connections to a2 are captured into a2's 15006. */
    private static final String OUTSIDE = "b2";
    /** An HTTP server that answers with the client's IP as it sees it (python3's standard library only). */
    private static final String WHO_AM_I = """
            import http.server, sys
            class Who(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = (self.client_address[0] + "\\n").encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Who).serve_forever()
            """;

    private static final int SILENT = 500;
    /** Opens N connections to host:port, says so, and holds them silently until killed. */
    private static final String HOLDER = """
            import socket, sys, time
            held = [socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) for _ in range(int(sys.argv[3]))]
            print("holding", len(held), flush=True)
            time.sleep(120)
            """;

    private static MeshLab mesh;

    @BeforeAll
    static void startMesh() {
        LabTests.assumeLab();
        mesh = LabTests.standardMesh(Set.of(OUTSIDE));
        mesh.startApp("a2", "who-am-i", List.of("python3", "-c", WHO_AM_I, String.valueOf(APP_PORT)));
        // From inside a2 itself (loopback is never captured): the app is up.
        Await.until("who-am-i in a2", WAIT, () -> mesh.lab().pod("a2")
                .exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:" + APP_PORT + "/").ok());
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void sameNodeFastPathStaysOffTheWireAndIsCountedByBothReporters() {
        assertThat(MeshLab.onPath("tshark")).as("tshark is installed (apt-get install -y tshark)").isTrue();
        String a1 = ip("a1");
        Prometheus before = mesh.metrics("node1");
        LabNode node1 = mesh.lab().node("node1");
        // Every TCP segment to or from the app port or HBONE on any of node1's interfaces (pod veths, underlay),
        // printed live as "<src ip>,<dst ip>,<src port>,<dst port>".
        LabProcess capture = mesh.lab().start("tshark-node1", node1.netns(), List.of("tshark", "-l", "-i", "any",
                "-f", "tcp port " + APP_PORT + " or tcp port 15008", "-T", "fields", "-E", "separator=,",
                "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport"));
        try {
            Await.until("tshark capturing in node1", WAIT, () -> capture.log().contains("Capturing on"));
            // Brackets: b1 (node2) -> a2 crosses node1's interfaces as HBONE. Seen before and after the fast-path
            // request, it proves the capture was live all along (tshark reports "started" a little early).
            Await.until("the capture sees the opening HBONE control", WAIT, () -> {
                assertThat(whoAmI("b1")).isEqualTo(ip("b1"));
                return segments(capture.log(), 15008) > 0;
            });
            assertThat(whoAmI("a1")).as("a1 -> a2 on the same node; the app sees a1's IP").isEqualTo(a1);
            long seen = segments(capture.log(), 15008);
            assertThat(whoAmI("b1")).isEqualTo(ip("b1"));
            Await.until("the capture sees the closing HBONE control", WAIT, () -> segments(capture.log(), 15008) > seen);
            assertThat(capture.log().lines().filter(l -> l.startsWith(a1 + ",") || l.contains("," + a1 + ",")))
                    .as("no segment from or to a1 on any of node1's interfaces, on the app port or HBONE: the fast "
                            + "path never left the two pods")
                    .isEmpty();
        } finally {
            capture.stop(Duration.ofSeconds(5));
        }
        Await.until("node1 counted the fast path on both sides", WAIT, () -> {
            Prometheus now = mesh.metrics("node1");
            return grew(before, now, "trellis_node_connections_total", "path=\"outbound\"", "route=\"same_node\"")
                    && grew(before, now, "trellis_node_connections_total", "path=\"same_node\"", "route=\"app\"");
        });
        Await.until("istio_tcp_connections_opened_total from both reporters with mutual_tls", WAIT, () -> {
            Prometheus now = mesh.metrics("node1");
            return grew(before, now, "istio_tcp_connections_opened_total", "reporter=\"source\"",
                    "source_workload=\"a1\"", "destination_workload=\"a2\"", "connection_security_policy=\"mutual_tls\"")
                    && grew(before, now, "istio_tcp_connections_opened_total", "reporter=\"destination\"",
                    "source_workload=\"a1\"", "destination_workload=\"a2\"", "connection_security_policy=\"mutual_tls\"",
                    "source_principal=\"spiffe://cluster.local/ns/default/sa/a\"");
        });
    }

    @Test
    void destinationPolicyIsEnforcedOnTheFastPath() throws Exception {
        String url = "http://" + ip("a2") + ":" + APP_PORT + "/";
        assertThat(whoAmI("a1")).isEqualTo(ip("a1"));
        mesh.writeConfig("deny-a-to-a.yaml", """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-a-to-a
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: a
                  action: DENY
                  rules:
                    - from:
                        - source:
                            principals: ["cluster.local/ns/default/sa/a"]
                """);
        try {
            Await.until("the DENY policy refuses a1 -> a2", WAIT, () -> !curl("a1", url).ok());
            Await.until("node1 counted the denial on the fast path", WAIT, () -> !mesh.metrics("node1").withLabels(
                    "trellis_node_authz_denied_total", "path=\"same_node\"", "policy=\"default/deny-a-to-a\"").isEmpty());
            Await.until("and reported it as destination with Istio's metric", WAIT, () -> !mesh.metrics("node1")
                    .withLabels("istio_tcp_connections_closed_total", "reporter=\"destination\"",
                            "response_flags=\"DENY\"", "destination_workload=\"a2\"").isEmpty());
            // The node-proxy as deployed (logging set up by proxy-core) writes the denial's access-log line to stdout.
            Await.until("node1's access log has the denial", WAIT, () -> denialLine(mesh.nodeProxy("node1").log()) != null);
            JsonNode denial = new ObjectMapper().readTree(denialLine(mesh.nodeProxy("node1").log()));
            assertThat(denial.get("reporter").asText()).isEqualTo("destination");
            assertThat(denial.get("authz").asText()).isEqualTo("deny");
            assertThat(denial.get("source_principal").asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/a");
            assertThat(denial.get("destination_workload").asText()).isEqualTo("a2");
            assertThat(denial.get("client_address").asText()).startsWith(ip("a1") + ":");
        } finally {
            mesh.deleteConfig("deny-a-to-a.yaml");
        }
        Await.until("a1 -> a2 works again once the policy is gone", WAIT, () -> curl("a1", url).ok());
    }

    /** The first access-log line in {@code log} for a connection the policy denied, or null. */
    private static String denialLine(String log) {
        return log.lines().filter(l -> l.startsWith("{\"start_time\"") && l.contains("\"response_flags\":\"DENY\"")
                && l.contains("\"authz_policy\":\"default/deny-a-to-a\"")).findFirst().orElse(null);
    }

    @Test
    void appSeesTheClientsIpOverHboneAndFromOutsideTheMesh() {
        assertThat(whoAmI("b1")).as("b1 (node2) -> a2 through HBONE").isEqualTo(ip("b1"));
        assertThat(whoAmI(OUTSIDE)).as("b2, outside the mesh, -> a2's inbound plaintext listener").isEqualTo(ip(OUTSIDE));
        Await.until("node1 relayed both inbound paths", WAIT, () -> {
            Prometheus now = mesh.metrics("node1");
            return !now.withLabels("trellis_node_connections_total", "path=\"inbound_hbone\"").isEmpty()
                    && !now.withLabels("trellis_node_connections_total", "path=\"inbound_plaintext\"").isEmpty();
        });
    }

    @Test
    void fiveHundredSilentConnectionsOnA2sPlaintextListenerLeaveEveryoneElseServed() {
        // b2 (outside the mesh) opens 500 connections to a2's app port, captured into a2's 15006, and says nothing.
        LabProcess holder = mesh.startApp(OUTSIDE, "silent-holder", List.of("python3", "-c", HOLDER, ip("a2"),
                String.valueOf(APP_PORT), String.valueOf(SILENT)));
        try {
            Await.until("b2 holds its silent connections", WAIT, () -> holder.log().contains("holding " + SILENT)
                    || !holder.isAlive());
            assertThat(holder.log()).contains("holding " + SILENT);
            Await.until("node1 holds them all on inbound_plaintext", WAIT, () -> openPlaintext() >= SILENT);
            // Meanwhile the flooded pod still serves its mesh clients: over the fast path and over HBONE.
            assertThat(whoAmI("a1")).isEqualTo(ip("a1"));
            assertThat(whoAmI("b1")).isEqualTo(ip("b1"));
        } finally {
            holder.stop(Duration.ofSeconds(5));
        }
        Await.until("their slots are released once b2 lets go", WAIT, () -> openPlaintext() < SILENT);
    }

    private static double openPlaintext() {
        return Prometheus.sum(mesh.metrics("node1").withLabels("trellis_node_inbound_connections",
                "path=\"inbound_plaintext\""));
    }

    /** What a2's app answers to {@code pod}: the client address it saw. */
    private static String whoAmI(String pod) {
        CommandResult r = curl(pod, "http://" + ip("a2") + ":" + APP_PORT + "/");
        assertThat(r.ok()).as("curl from " + pod + " failed: " + r.failureSummary() + mesh.processLogs()).isTrue();
        return r.stdout().strip();
    }

    private static CommandResult curl(String pod, String url) {
        return mesh.lab().pod(pod).exec("curl", "-sS", "--max-time", "5", url);
    }

    private static String ip(String pod) {
        return mesh.lab().pod(pod).ip();
    }

    private static boolean grew(Prometheus before, Prometheus now, String metric, String... labels) {
        return Prometheus.sum(now.withLabels(metric, labels)) > Prometheus.sum(before.withLabels(metric, labels));
    }

    /** Captured segments from or to {@code port}, from the live capture's "src ip,dst ip,src port,dst port" lines. */
    private static long segments(String log, int port) {
        String p = String.valueOf(port);
        return log.lines().map(String::strip).map(l -> l.split(",")).filter(f -> f.length == 4)
                .filter(f -> f[2].equals(p) || f[3].equals(p)).count();
    }
}
