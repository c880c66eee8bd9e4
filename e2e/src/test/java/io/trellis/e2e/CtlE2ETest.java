package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabPod;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.LabSpec.NodeSpec;
import io.trellis.install.lab.LabSpec.PodSpec;
import io.trellis.install.lab.LabSpec.ServicePort;
import io.trellis.install.lab.LabSpec.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real {@code trellisctl} (its main class, in a child JVM inside lab node {@code node1}, where the controller
 * and that node's node-proxy listen) against a running lab: {@code proxy-status}, {@code workloads},
 * {@code config-dump}, {@code certs} and {@code authz check} answer with the lab's own pods, versions and
 * certificates; and the node-proxy's and the waypoint's Prometheus expositions pass {@code promtool check metrics}
 * (parse and lint; the one lint finding allowed is Istio's own {@code istio_request_duration_milliseconds} name).
 * Root only (the lab), like every lab test.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CtlE2ETest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MeshLab.Waypoint WAYPOINT = new MeshLab.Waypoint("web-waypoint", "default", "waypoint");
    private static final String DENY = """
            apiVersion: trellis.io/v1alpha1
            kind: AuthorizationPolicy
            metadata:
              name: deny-blocked
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: api
              action: DENY
              rules:
                - from:
                    - source:
                        principals: ["cluster.local/ns/default/sa/blocked"]
            """;

    private static MeshLab mesh;

    @BeforeAll
    static void start() {
        LabTests.assumeLab();
        byte[] id = new byte[3];
        new SecureRandom().nextBytes(id);
        String prefix = "trctl-" + HexFormat.of().formatHex(id);
        LabSpec spec = new LabSpec(prefix, List.of(new NodeSpec("node1"), new NodeSpec("node2")),
                List.of(new PodSpec("client", "default", "client", Map.of("app", "client"), "node1"),
                        new PodSpec("blocked", "default", "blocked", Map.of("app", "blocked"), "node1"),
                        new PodSpec("web-1", "default", "web", Map.of("app", "web"), "node2"),
                        new PodSpec("api-1", "default", "api", Map.of("app", "api"), "node2"),
                        new PodSpec(WAYPOINT.pod(), "default", WAYPOINT.gateway(), Map.of(
                                "gateway.networking.k8s.io/gateway-name", WAYPOINT.gateway(),
                                "trellis.io/dataplane-mode", "none"), "node2")),
                List.of(new ServiceSpec("web", "default", Map.of("app", "web"),
                        List.of(new ServicePort("http", 80, 8080)), Map.of("trellis.io/use-waypoint",
                                WAYPOINT.gateway()))));
        mesh = MeshLab.start(new MeshLab.Options(spec, "node1", Set.of(WAYPOINT.pod()),
                Map.of("deny-blocked.yaml", DENY), List.of(WAYPOINT)));
        mesh.startWaypoint(WAYPOINT);
        mesh.startApp("web-1", "web", List.of("python3", "-m", "http.server", "8080", "--bind", "0.0.0.0"));
        // through the waypoint (Service web is labelled for it), so both expositions have request series
        Poll.until("traffic from client to web through the waypoint", MeshLab.STARTUP,
                () -> mesh.curl("client", "http://" + mesh.serviceVip("web") + ":80/").ok()
                        && !mesh.waypointMetrics(WAYPOINT).lines("istio_requests_total").isEmpty());
    }

    @AfterAll
    static void stop() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private record Ctl(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    /** {@code trellisctl args...} in node1's namespace (controller on 127.0.0.1:15010, node1's admin on :15000). */
    private static Ctl ctl(String node, String... args) {
        List<String> command = ChildJvm.command("io.trellis.ctl.TrellisCtl", List.of(args));
        CommandResult r = mesh.lab().node(node).exec(command.toArray(String[]::new));
        return new Ctl(r.exitCode(), r.stdout(), r.stderr());
    }

    @Test
    void proxyStatusListsEveryProxyWithAckedConfigAndNoNacks() throws Exception {
        Set<String> proxies = new TreeSet<>();
        Ctl[] last = {null};
        try {
            Poll.until("both node-proxies and the waypoint in proxy-status with ACKed config", Duration.ofSeconds(30),
                    () -> {
                        try {
                            last[0] = ctl("node1", "proxy-status", "-o", "json");
                            proxies.clear();
                            for (JsonNode row : last[0].json()) {
                                // every proxy counts ACKed resources; the waypoint's Envoy (state-of-the-world)
                                // streams also name the version they ACKed
                                boolean envoy = row.path("proxy").asText().startsWith("waypoint~");
                                if (row.path("acked").asLong() > 0
                                        && (!envoy || !row.path("version").asText().isEmpty())) {
                                    proxies.add(row.path("proxy").asText());
                                }
                            }
                            return proxies.contains("node1") && proxies.contains("node2")
                                    && proxies.stream().anyMatch(p -> p.contains(WAYPOINT.gateway()));
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (MeshException.Timeout e) {
            throw new AssertionError(e.getMessage() + "; last answer: " + last[0], e);
        }
        Ctl r = ctl("node1", "proxy-status", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        for (JsonNode row : r.json()) {
            assertThat(row.path("nacks").asLong()).as(row.toString()).isZero();
            assertThat(row.path("connected").asText()).as(row.toString()).isNotEmpty();
        }
        Ctl table = ctl("node1", "proxy-status");
        assertThat(table.out()).contains("PROXY", "node1", "node2", "Workload");
    }

    @Test
    void workloadsAreTheLabsPodsWithTheirAddressesNodesAndIdentities() throws Exception {
        Ctl r = ctl("node1", "workloads", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> seen = new ArrayList<>();
        for (JsonNode row : r.json()) {
            seen.add(row.path("namespace").asText() + "/" + row.path("name").asText());
            LabPod pod = mesh.lab().pod(row.path("name").asText());
            assertThat(row.path("addresses").toString()).contains(pod.ip());
            assertThat(row.path("node").asText()).isEqualTo(pod.nodeName());
            assertThat(row.path("identity").asText())
                    .isEqualTo("spiffe://cluster.local/ns/default/sa/" + pod.serviceAccount());
        }
        assertThat(seen).contains("default/client", "default/blocked", "default/web-1", "default/api-1");
    }

    @Test
    void configDumpAndCertsShowTheNodesIdentitiesAndValidity() throws Exception {
        Ctl dump = ctl("node1", "config-dump", "127.0.0.1");
        assertThat(dump.exit()).as(dump.err()).isZero();
        assertThat(dump.out()).contains("spiffe://cluster.local/ns/default/sa/client",
                "spiffe://cluster.local/ns/default/sa/blocked", mesh.lab().pod("web-1").ip());

        Ctl certs = ctl("node2", "certs", "127.0.0.1", "-o", "json");
        assertThat(certs.exit()).as(certs.err()).isZero();
        JsonNode list = certs.json().isArray() ? certs.json() : certs.json().elements().next();
        JsonNode web = null;
        for (JsonNode c : list) {
            if (c.path("identity").asText().equals("spiffe://cluster.local/ns/default/sa/web")) {
                web = c;
            }
        }
        assertThat(web).as(certs.out()).isNotNull();
        assertThat(web.path("serial").asText()).isNotEmpty();
        Instant notAfter = Instant.parse(web.path("notAfter").asText());
        // the default 24 h lifetime, issued during this test
        assertThat(notAfter).isBetween(Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));
        assertThat(Instant.parse(web.path("notBefore").asText())).isBefore(Instant.now());
        assertThat(ctl("node2", "certs", "127.0.0.1").out()).contains("IDENTITY", "sa/web");
    }

    @Test
    void authzCheckAllowsTheClientAndDeniesTheBlockedOne() {
        Ctl allowed = ctl("node1", "authz", "check", "default/client", "default/api-1:8080");
        assertThat(allowed.exit()).as(allowed.out() + allowed.err()).isZero();
        assertThat(allowed.out()).contains("default/api-1", "direct", "ALLOW");
        Ctl denied = ctl("node1", "authz", "check", "default/blocked", "default/api-1:8080");
        assertThat(denied.exit()).as(denied.out() + denied.err()).isEqualTo(3);
        assertThat(denied.out()).contains("DENY", "default/deny-blocked");
        // web is behind its waypoint: web-1's node-proxy sees the waypoint's identity, not the caller's
        Ctl viaWaypoint = ctl("node1", "authz", "check", "default/blocked", "default/web-1:8080");
        assertThat(viaWaypoint.out()).as(viaWaypoint.err()).contains("waypoint",
                "spiffe://cluster.local/ns/default/sa/" + WAYPOINT.gateway());
    }

    @Test
    void metricsOfANodeProxyAndAWaypointPassPromtool() throws Exception {
        Assumptions.assumeTrue(MeshLab.onPath("promtool"), "promtool is not installed (.ci/run installs prometheus)");
        String node = mesh.nodeGet("node2", "http://127.0.0.1:15020/stats/prometheus");
        String waypoint = mesh.waypointMetrics(WAYPOINT).exposition();
        assertThat(node).contains("istio_tcp_connections_opened_total");
        assertThat(waypoint).contains("istio_requests_total");
        for (Map.Entry<String, String> e : Map.of("node-proxy", node, "waypoint", waypoint).entrySet()) {
            Path file = Files.createTempFile("trellis-" + e.getKey(), ".prom");
            try {
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                // a parse error fails; of the lint findings only the deliberate one is allowed: Istio's own name
                // istio_request_duration_milliseconds (kept so Istio dashboards work) is not in base units
                List<String> problems = out.lines().filter(l -> !l.isBlank())
                        .filter(l -> !(l.startsWith("istio_request_duration_milliseconds")
                                && l.contains("base unit"))).toList();
                assertThat(problems).as(e.getKey() + " (exit " + p.exitValue() + "): " + out).isEmpty();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
