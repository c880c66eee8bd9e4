package io.trellis.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.e2e.UnderlayCapture;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabPod;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/** The demo's steps against a running {@link MeshLab}; each prints what it shows and records its evidence. */
final class DemoSteps {

    private static final Duration WAIT = Duration.ofSeconds(30);
    static final String WAYPOINT_SKIP = "the demo cannot start a waypoint from the controller's config yet "
            + "(WaypointMain with controller xDS and a CA-issued certificate is in progress), so no L7 route applies "
            + "to reviews";

    private final MeshLab mesh;
    private final PrintWriter out;
    private final DemoSummary summary;
    private final String marker = "trellis-demo-" + UUID.randomUUID().toString().substring(0, 8);
    private int number;

    DemoSteps(MeshLab mesh, PrintWriter out, DemoSummary summary) {
        this.mesh = mesh;
        this.out = out;
        this.summary = summary;
    }

    /** Starts python3 http.server in each reviews pod, serving "reviews vN <marker>". */
    void startApps() throws IOException {
        for (String pod : DemoTopology.REVIEWS) {
            String version = pod.substring(pod.lastIndexOf('-') + 1);
            Path www = Files.createDirectories(mesh.lab().runDir().resolve("www-" + pod));
            Files.writeString(www.resolve("index.html"), "reviews " + version + " " + marker + "\n", StandardCharsets.UTF_8);
            mesh.startApp(pod, "app-" + pod, List.of("python3", "-m", "http.server", String.valueOf(DemoTopology.APP_PORT),
                    "--bind", "0.0.0.0", "--directory", www.toString()));
            // loopback inside the pod is never captured: this checks the app, not the mesh
            Poll.until("http server in " + pod, WAIT, () -> mesh.lab().pod(pod)
                    .exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:" + DemoTopology.APP_PORT + "/").ok());
        }
    }

    private String reviewsUrl() {
        return "http://" + mesh.serviceVip(DemoTopology.SERVICE) + ":80/";
    }

    void identities() {
        String title = "SPIFFE identities in use";
        header(title, "each node-proxy holds a certificate per local workload identity, issued by the controller's CA");
        Map<String, Object> evidence = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String node : List.of("node1", "node2")) {
            TreeSet<String> expected = new TreeSet<>();
            for (LabPod pod : mesh.lab().node(node).pods()) {
                expected.add("spiffe://cluster.local/ns/" + pod.namespace() + "/sa/" + pod.serviceAccount());
            }
            TreeSet<String> held = new TreeSet<>();
            try {
                Poll.until("certificates on " + node, WAIT, () -> {
                    held.clear();
                    held.addAll(certificateIdentities(json, mesh.configDump(node)));
                    return held.containsAll(expected);
                });
            } catch (RuntimeException e) {
                // reported below as missing identities
            }
            for (String id : held) {
                line("%s  node-proxy holds  %s", node, id);
            }
            TreeSet<String> absent = new TreeSet<>(expected);
            absent.removeAll(held);
            missing.addAll(absent);
            evidence.put(node, List.copyOf(held));
        }
        finish("identities", title, missing.isEmpty(), missing.isEmpty() ? "every enrolled workload's identity has a "
                + "certificate on its node" : "no certificate for " + missing, evidence);
    }

    private static List<String> certificateIdentities(ObjectMapper json, String dump) {
        List<String> ids = new ArrayList<>();
        if (dump.isBlank()) {
            return ids;
        }
        try {
            for (JsonNode cert : json.readTree(dump).path("certificates")) {
                JsonNode id = cert.path("identity");
                if (id.isTextual()) {
                    ids.add(id.asText());
                }
            }
        } catch (IOException e) {
            // an unreadable dump holds no identities we can show
        }
        return ids;
    }

    void mtlsOnTheWire() {
        String title = "traffic between nodes is mutual TLS (HBONE on 15008)";
        header(title, "curl in pod client (node1) -> Service reviews (node2) while tshark records the underlay");
        UnderlayCapture capture = mesh.captureUnderlay("demo-underlay");
        int served = 0;
        try {
            for (int i = 0; i < 5; i++) {
                if (firstLine(mesh.curl(DemoTopology.CLIENT, reviewsUrl())).contains(marker)) {
                    served++;
                }
            }
        } finally {
            capture.stop();
        }
        boolean clear = capture.containsInClear(marker) || capture.containsInClear("GET / HTTP");
        long bytes = capture.payloadBytes(15008);
        int appData = capture.tlsApplicationDataFrames(15008);
        int clearHttp = capture.clearHttpFrames(15008);
        List<String> alpn = capture.clientHelloAlpn(15008);
        List<Integer> ports = capture.portsWithPayload();
        boolean sourceReport = waitFor(() -> !mesh.metrics("node1").withLabels("istio_tcp_connections_opened_total",
                "reporter=\"source\"", "connection_security_policy=\"mutual_tls\"",
                "destination_principal=\"spiffe://cluster.local/ns/default/sa/reviews\"").isEmpty());
        line("requests served through the mesh: %d/5", served);
        line("capture %s: TCP ports carrying payload %s (15008 = HBONE, 15010 = the controller's xDS/CA stream)",
                capture.file(), ports);
        line("on 15008: %d payload bytes, %d TLS application-data records, ALPN offered %s, HTTP frames in clear: %d",
                bytes, appData, alpn, clearHttp);
        line("the response body (%s) and 'GET / HTTP' found in clear anywhere on the underlay: %s", marker, clear ? "YES" : "no");
        line("node1 reports istio_tcp_connections_opened_total{connection_security_policy=\"mutual_tls\"} to sa/reviews: %s",
                sourceReport ? "yes" : "no");
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("requests_served", served);
        evidence.put("hbone_payload_bytes", bytes);
        evidence.put("tls_application_data_records", appData);
        evidence.put("clear_http_frames", clearHttp);
        evidence.put("plaintext_seen", clear);
        evidence.put("alpn", alpn);
        evidence.put("ports_with_payload", ports);
        evidence.put("mutual_tls_reported", sourceReport);
        boolean ok = served == 5 && !clear && appData > 0 && clearHttp == 0 && bytes > 0 && sourceReport;
        finish("mtls", title, ok, ok ? "only TLS crossed the underlay; the HTTP bytes never did"
                : "see evidence: expected 5 served, no plaintext, TLS records on 15008, the mutual_tls report", evidence);
    }

    void l4Balancing(int requests) {
        String title = "requests to Service reviews reach both versions (L4, by the node-proxy)";
        header(title, requests + " requests from client to the reviews VIP, one connection each");
        Map<String, Integer> counts = versions(DemoTopology.CLIENT, requests);
        int v1 = counts.getOrDefault("v1", 0);
        int v2 = counts.getOrDefault("v2", 0);
        line("v1: %d  v2: %d  failed: %d   (without a waypoint the node-proxy balances connections round robin)",
                v1, v2, counts.getOrDefault("failed", 0));
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("requests", requests);
        evidence.put("v1", v1);
        evidence.put("v2", v2);
        evidence.put("v1_percent", percent(v1, requests));
        evidence.put("v2_percent", percent(v2, requests));
        boolean ok = v1 + v2 == requests && v1 > 0 && v2 > 0;
        finish("l4_balancing", title, ok, ok ? "every request served, both endpoints used" : "not every request was "
                + "served or one endpoint got none", evidence);
    }

    void canarySplit() {
        skip("canary_split", "a 90/10 canary split (HTTPRoute weights at the waypoint)", WAYPOINT_SKIP);
    }

    void retry() {
        skip("retry", "a retry hiding an injected failure (waypoint retry policy)", WAYPOINT_SKIP);
    }

    void denial() {
        String title = "an AuthorizationPolicy denies one client";
        header(title, "policy default/deny-blocked (shipped in e2e/src/main/resources/demo/) denies sa/blocked -> app=reviews");
        boolean allowed = firstLine(mesh.curl(DemoTopology.CLIENT, reviewsUrl())).contains(marker);
        boolean refused = waitFor(() -> !mesh.curl(DemoTopology.BLOCKED, reviewsUrl()).ok());
        CommandResult r = mesh.curl(DemoTopology.BLOCKED, reviewsUrl());
        String curlSays = r.stderr().strip().lines().findFirst().orElse("exit " + r.exitCode());
        List<String> deny = new ArrayList<>();
        boolean counted = waitFor(() -> {
            deny.clear();
            deny.addAll(mesh.metrics("node2").withLabels("istio_tcp_connections_closed_total",
                    "reporter=\"destination\"", "response_flags=\"DENY\"",
                    "source_principal=\"spiffe://cluster.local/ns/default/sa/blocked\""));
            return Prometheus.sum(deny) > 0;
        });
        line("client  -> reviews: %s", allowed ? "served" : "FAILED");
        line("blocked -> reviews: %s (%s)", refused && !r.ok() ? "refused" : "SERVED", curlSays);
        for (String l : deny) {
            line("node2: %s", compact(l));
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("allowed_client_served", allowed);
        evidence.put("denied_client_refused", refused && !r.ok());
        evidence.put("curl_error", curlSays);
        evidence.put("deny_connections_counted", (long) Prometheus.sum(deny));
        boolean ok = allowed && refused && !r.ok() && counted;
        finish("denial", title, ok, ok ? "the node-proxy in front of reviews refused sa/blocked and counted it with "
                + "response_flags=DENY" : "see evidence", evidence);
    }

    void metricsExcerpt() {
        String title = "an excerpt of the metrics (node-proxy :15020/stats/prometheus)";
        header(title, "Istio-named istio_* series, as dashboards built for Istio expect them");
        Map<String, Object> evidence = new LinkedHashMap<>();
        int total = 0;
        for (String node : List.of("node1", "node2")) {
            List<String> istio = mesh.metrics(node).lines("istio_");
            total += istio.size();
            istio.stream().filter(l -> l.contains("reviews") && !l.endsWith(" 0.0")).limit(4)
                    .forEach(l -> line("%s  %s", node, compact(l)));
            evidence.put(node + "_istio_series", istio.size());
        }
        finish("metrics", title, total > 0, total > 0 ? total + " istio_* series exported" : "no istio_* series", evidence);
    }

    /** A sample line with only the labels a reader needs (the full line has 20 labels). */
    private static String compact(String sample) {
        int brace = sample.indexOf('{');
        int end = sample.lastIndexOf('}');
        if (brace < 0 || end < brace) {
            return sample;
        }
        List<String> kept = new ArrayList<>();
        for (String label : sample.substring(brace + 1, end).split(",")) {
            String key = label.substring(0, Math.max(0, label.indexOf('=')));
            if (List.of("reporter", "source_workload", "destination_workload", "connection_security_policy",
                    "response_flags").contains(key)) {
                kept.add(label);
            }
        }
        return sample.substring(0, brace) + "{" + String.join(",", kept) + ",...}" + sample.substring(end + 1);
    }

    private Map<String, Integer> versions(String pod, int requests) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "120"));
        for (int i = 0; i < requests; i++) {
            argv.add(reviewsUrl());
        }
        CommandResult r = mesh.lab().pod(pod).exec(argv.toArray(String[]::new));
        Map<String, Integer> counts = new LinkedHashMap<>();
        int served = 0;
        for (String l : r.stdout().lines().toList()) {
            if (l.contains(marker)) {
                counts.merge(l.split(" ")[1], 1, Integer::sum);
                served++;
            }
        }
        counts.put("failed", requests - served);
        return counts;
    }

    private static double percent(int n, int of) {
        return of == 0 ? 0 : Math.round(n * 1000.0 / of) / 10.0;
    }

    private static String firstLine(CommandResult r) {
        return r.ok() ? r.stdout().lines().findFirst().orElse("") : "";
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) {
        try {
            Poll.until("condition", WAIT, condition);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void header(String title, String what) {
        number++;
        out.printf(Locale.ROOT, "%n%d. %s%n", number, title);
        if (!what.isEmpty()) {
            out.printf(Locale.ROOT, "   %s%n", what);
        }
        out.flush();
    }

    private void line(String format, Object... args) {
        out.printf(Locale.ROOT, "   " + format + "%n", args);
        out.flush();
    }

    private void skip(String id, String title, String why) {
        header(title, "");
        finishWith(new DemoSummary.Step(id, title, DemoSummary.Status.skipped, why, Map.of()));
    }

    private void finish(String id, String title, boolean ok, String detail, Map<String, Object> evidence) {
        finishWith(new DemoSummary.Step(id, title, ok ? DemoSummary.Status.ok : DemoSummary.Status.failed, detail, evidence));
    }

    private void finishWith(DemoSummary.Step step) {
        summary.add(step);
        out.printf(Locale.ROOT, "   => %s: %s%n", step.status(), step.detail());
        out.flush();
    }
}
