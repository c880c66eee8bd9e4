package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabService;
import io.trellis.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-proxy pair end to end, as root, with unmodified apps: {@code curl} in pod a1 (node1)
 * reaches {@code python3 -m http.server} in pod b1 (node2) by pod IP and by service VIP through
 * HBONE, and the underlay carries only TLS on 15008; a DENY AuthorizationPolicy makes the
 * connection fail and is counted; a server outside the mesh is reached by passthrough.
 */
@Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
class NodeProxyPairE2ETest {

    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyPairE2ETest.class);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String MARKER = "trellis-e2e-" + UUID.randomUUID();
    private static final int APP_PORT = 8080;
    private static final String INBOUND_HBONE = "trellis_node_connections_total{path=\"inbound_hbone\",route=\"app\"}";
    /** Not enrolled: a plain pod whose traffic takes no proxy, for the latency baseline. */
    private static final String BASELINE_CLIENT = "a2";

    private static MeshLab mesh;
    private static Path www;

    @BeforeAll
    static void startMesh() throws Exception {
        LabTests.assumeLab();
        mesh = LabTests.standardMesh(Set.of(BASELINE_CLIENT));
        www = Files.createDirectories(mesh.lab().runDir().resolve("www"));
        Files.writeString(www.resolve("marker.txt"), MARKER + "\n", StandardCharsets.UTF_8);
        // Both endpoints of service b serve the marker: the VIP may pick either.
        for (String pod : List.of("b1", "b2")) {
            mesh.lab().pod(pod).start("http-" + pod, List.of("python3", "-m", "http.server", String.valueOf(APP_PORT),
                    "--bind", "0.0.0.0", "--directory", www.toString()));
            // From inside the pod itself (loopback is never captured): the app is up.
            Await.until("http server in " + pod, WAIT, () -> mesh.lab().pod(pod)
                    .exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:" + APP_PORT + "/marker.txt").ok());
        }
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void podIpAndServiceVipThroughHboneWithOnlyTlsOnTheUnderlay() throws Exception {
        assertThat(MeshLab.onPath("tshark")).as("tshark is installed (apt-get install -y tshark)").isTrue();
        String b1 = mesh.lab().pod("b1").ip();
        String vip = serviceVip("b");
        double inboundBefore = sum(mesh.metrics("node2").exposition(), INBOUND_HBONE);
        UnderlayCapture capture = mesh.captureUnderlay("underlay");
        try {
            List<Double> podIpTimes = new ArrayList<>();
            List<Double> vipTimes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                podIpTimes.add(assertServed(mesh.curl("a1", "http://" + b1 + ":" + APP_PORT + "/marker.txt")));
                vipTimes.add(assertServed(mesh.curl("a1", "http://" + vip + ":80/marker.txt")));
            }
            LOG.info("event=e2e_latency path=pod_ip curl_time_total_s={}", podIpTimes);
            LOG.info("event=e2e_latency path=service_vip curl_time_total_s={}", vipTimes);
        } finally {
            capture.stop();
        }
        assertThat(capture.containsInClear(MARKER) || capture.containsInClear("GET /marker.txt"))
                .as("the HTTP payload never crosses the underlay in clear").isFalse();
        // 15010 is the controller's xDS/CA stream from node2 (control plane, not data).
        assertThat(capture.portsWithPayload()).as("TCP payload on the underlay: only HBONE (and the controller stream)")
                .contains(15008).isSubsetOf(15008, 15010);
        assertThat(capture.clientHelloAlpn(15008)).as("TLS ClientHello with ALPN h2 on 15008").contains("h2");
        assertThat(capture.tlsApplicationDataFrames(15008)).as("TLS application data records on 15008").isPositive();
        assertThat(capture.clearHttpFrames(15008)).as("no HTTP or HTTP/2 in clear on 15008").isZero();
        Await.until("node2 counted the inbound HBONE connections", WAIT, () -> sum(mesh.metrics("node2").exposition(),
                INBOUND_HBONE) >= inboundBefore + 10);
        Await.until("node1 reported them as source over mutual TLS", WAIT, () -> mesh.metrics("node1").exposition().lines()
                .anyMatch(l -> l.startsWith("istio_tcp_connections_opened_total") && l.contains("reporter=\"source\"")
                        && l.contains("connection_security_policy=\"mutual_tls\"")
                        && l.contains("destination_principal=\"spiffe://cluster.local/ns/default/sa/b\"")));
    }

    @Test
    void sameNodeTrafficTakesTheFastPathAuthorizedAndCountedToo() {
        // b1 -> b2, both on node2: the same-node fast path, counted on both sides (see NodeProxyPathsE2ETest).
        String outboundSeries = "trellis_node_connections_total{path=\"outbound\",route=\"same_node\"}";
        String inboundSeries = "trellis_node_connections_total{path=\"same_node\",route=\"app\"}";
        double outBefore = sum(mesh.metrics("node2").exposition(), outboundSeries);
        double inBefore = sum(mesh.metrics("node2").exposition(), inboundSeries);
        assertServed(mesh.curl("b1", "http://" + mesh.lab().pod("b2").ip() + ":" + APP_PORT + "/marker.txt"));
        Await.until("node2 counted both ends", WAIT, () -> {
            String m = mesh.metrics("node2").exposition();
            return sum(m, outboundSeries) >= outBefore + 1 && sum(m, inboundSeries) >= inBefore + 1;
        });
    }

    @Test
    void denyPolicyMakesTheConnectionFailAndIsCounted() throws Exception {
        String b1 = mesh.lab().pod("b1").ip();
        String url = "http://" + b1 + ":" + APP_PORT + "/marker.txt";
        assertServed(mesh.curl("a1", url));
        mesh.writeConfig("deny-a.yaml", """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-a
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: b
                  action: DENY
                  rules:
                    - from:
                        - source:
                            principals: ["cluster.local/ns/default/sa/a"]
                """);
        try {
            Await.until("the DENY policy refuses a1 -> b1", WAIT, () -> !mesh.curl("a1", url).ok());
            CommandResult refused = mesh.curl("a1", url);
            assertThat(refused.stdout()).doesNotContain(MARKER);
            Await.until("node2 counted the denial", WAIT, () -> mesh.metrics("node2").exposition().lines().anyMatch(l ->
                    l.startsWith("trellis_node_authz_denied_total") && l.contains("policy=\"default/deny-a\"")
                            && !l.endsWith(" 0.0")));
            Await.until("node2 reported the denial with Istio's metric", WAIT, () -> mesh.metrics("node2").exposition().lines()
                    .anyMatch(l -> l.startsWith("istio_tcp_connections_closed_total")
                            && l.contains("reporter=\"destination\"") && l.contains("response_flags=\"DENY\"")
                            && l.contains("source_principal=\"spiffe://cluster.local/ns/default/sa/a\"")));
        } finally {
            mesh.deleteConfig("deny-a.yaml");
        }
        Await.until("a1 -> b1 works again once the policy is gone", WAIT, () -> mesh.curl("a1", url).ok());
    }

    @Test
    void addressOutsideTheMeshIsPassedThrough() throws Exception {
        // node2's underlay address: a namespace that is not enrolled, unknown to the mesh.
        LabNode node2 = mesh.lab().node("node2");
        mesh.lab().start("http-outside", node2.netns(), List.of("python3", "-m", "http.server", "18080",
                "--bind", node2.ip(), "--directory", www.toString()));
        String url = "http://" + node2.ip() + ":18080/marker.txt";
        Await.until("server outside the mesh", WAIT, () -> node2.exec("curl", "-sf", "--max-time", "2", url).ok());
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            times.add(assertServed(mesh.curl("a1", url)));
        }
        LOG.info("event=e2e_latency path=passthrough curl_time_total_s={}", times);
        Await.until("node1 counted the passthrough", WAIT, () -> mesh.metrics("node1").exposition().lines().anyMatch(l ->
                l.startsWith("trellis_node_connections_total") && l.contains("route=\"passthrough\"")));
    }

    /**
     * Not a timed assertion: measures and logs what a new connection plus one HTTP request costs through
     * the node-proxy pair (a1 -> b1, both captured, HBONE across the underlay) and without any proxy
     * (a2, not enrolled, -> a server in node2's namespace, the same underlay path), 200 of each, one
     * request per connection (python's http.server closes after each).
     */
    @Test
    void latencyThroughThePairVersusDirect() throws Exception {
        LabNode node2 = mesh.lab().node("node2");
        mesh.lab().start("http-direct", node2.netns(), List.of("python3", "-m", "http.server", "18081",
                "--bind", node2.ip(), "--directory", www.toString()));
        String direct = "http://" + node2.ip() + ":18081/marker.txt";
        Await.until("baseline server", WAIT, () -> node2.exec("curl", "-sf", "--max-time", "2", direct).ok());
        String meshed = "http://" + mesh.lab().pod("b1").ip() + ":" + APP_PORT + "/marker.txt";
        assertServed(mesh.curl("a1", meshed)); // warm the HBONE connection and certificates
        double[] viaPair = times("a1", meshed, 200);
        double[] viaNothing = times(BASELINE_CLIENT, direct, 200);
        LOG.info("event=e2e_latency_summary requests=200 pair_p50_ms={} pair_p90_ms={} pair_p99_ms={} direct_p50_ms={} "
                + "direct_p90_ms={} direct_p99_ms={}", pct(viaPair, 50), pct(viaPair, 90), pct(viaPair, 99),
                pct(viaNothing, 50), pct(viaNothing, 90), pct(viaNothing, 99));
        assertThat(viaPair).hasSize(200);
        assertThat(viaNothing).hasSize(200);
    }

    /** One curl, {@code n} transfers of {@code url}, each one's time_total (s), sorted. */
    private static double[] times(String pod, String url, int n) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-w", "%{time_total}\n"));
        for (int i = 0; i < n; i++) {
            cmd.addAll(List.of("-o", "/dev/null", url)); // -o applies to one URL
        }
        CommandResult r = mesh.lab().pod(pod).exec(cmd.toArray(String[]::new));
        assertThat(r.ok()).as(r.failureSummary()).isTrue();
        return Arrays.stream(r.stdout().split("\n")).filter(l -> !l.isBlank()).mapToDouble(Double::parseDouble)
                .sorted().toArray();
    }

    private static String pct(double[] sorted, int p) {
        int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return String.format(java.util.Locale.ROOT, "%.2f", sorted[Math.max(0, i)] * 1000);
    }

    /** The sum of the samples whose name and labels start with {@code series} in a Prometheus exposition. */
    private static double sum(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Asserts curl got the marker; returns curl's time_total in seconds. */
    private static double assertServed(CommandResult r) {
        assertThat(r.ok()).as("curl failed: " + r.failureSummary() + mesh.processLogs()).isTrue();
        String[] lines = r.stdout().strip().split("\n");
        assertThat(lines[0]).isEqualTo(MARKER);
        return Double.parseDouble(lines[lines.length - 1]);
    }

    private static String serviceVip(String name) {
        for (LabService s : mesh.lab().services()) {
            if (s.name().equals(name)) {
                return s.clusterIp();
            }
        }
        throw new IllegalStateException("no service " + name + " in the lab");
    }
}
