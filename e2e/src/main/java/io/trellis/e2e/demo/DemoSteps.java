package io.trellis.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.e2e.UnderlayCapture;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabPod;
import io.trellis.install.lab.LabProcess;
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
    /** The canary split must give v2 10 % of the requests, within 5 points either way. */
    static final double SPLIT_V2_PERCENT = 10.0;
    static final double SPLIT_TOLERANCE = 5.0;

    private final MeshLab mesh;
    private final PrintWriter out;
    private final DemoSummary summary;
    private final String marker = "trellis-demo-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, LabProcess> apps = new LinkedHashMap<>();
    private int number;

    DemoSteps(MeshLab mesh, PrintWriter out, DemoSummary summary) {
        this.mesh = mesh;
        this.out = out;
        this.summary = summary;
    }

    /** Starts the reviews app (demo/reviews.py) in each reviews pod, serving "reviews vN <marker>". */
    void startApps() throws IOException {
        Path script = mesh.lab().runDir().resolve(DemoTopology.APP_SCRIPT);
        Files.writeString(script, DemoTopology.resource("demo/" + DemoTopology.APP_SCRIPT), StandardCharsets.UTF_8);
        for (String pod : DemoTopology.REVIEWS) {
            String version = pod.substring(pod.lastIndexOf('-') + 1);
            apps.put(pod, mesh.startApp(pod, "app-" + pod, List.of("python3", "-u", script.toString(), version, marker,
                    String.valueOf(DemoTopology.APP_PORT))));
            // loopback inside the pod is never captured: this checks the app, not the mesh
            Poll.until("http server in " + pod, WAIT, () -> mesh.lab().pod(pod)
                    .exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:" + DemoTopology.APP_PORT + "/").ok());
        }
    }

    /** Service reviews (served directly until its waypoint is deployed in the canary step, then through it). */
    private String reviewsUrl() {
        return "http://" + mesh.serviceVip(DemoTopology.SERVICE) + ":80/";
    }

    /** Pod reviews-v1 by its own IP: around the waypoint, straight to the node-proxy in front of the pod. */
    private String podUrl() {
        return "http://" + mesh.lab().pod(DemoTopology.REVIEWS.getFirst()).ip() + ":" + DemoTopology.APP_PORT + "/";
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
                if (pod.name().equals(DemoTopology.WAYPOINT_POD)) {
                    continue; // not enrolled: the waypoint holds its own certificate
                }
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
        header(title, requests + " requests from client to the reviews VIP, one connection each (Connection: close; no waypoint yet)");
        Map<String, Integer> counts = versions(DemoTopology.CLIENT, requests, reviewsUrl(), true);
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

    /** At least this many requests for the split: binomial sd at 10 % is then 1.5 points, so +-5 is over 3 sd. */
    static final int SPLIT_MIN_REQUESTS = 400;

    void canarySplit(int requested) {
        int requests = Math.max(requested, SPLIT_MIN_REQUESTS);
        String title = "a 90/10 canary split (HTTPRoute weights at the waypoint)";
        header(title, "deploy waypoint reviews-waypoint (Gateway of class trellis-waypoint, WaypointMain in pod "
                + "waypoint on node2, config and certificate from the controller), then " + requests + " requests from "
                + "client to Service reviews (label trellis.io/use-waypoint), which its node-proxy now sends over HBONE "
                + "to the waypoint; HTTPRoute default/reviews: reviews-v1 90, reviews-v2 10");
        try {
            mesh.startWaypoint(DemoTopology.WAYPOINT);
        } catch (RuntimeException e) {
            finish("canary_split", title, false, "the waypoint did not come up: " + e.getMessage()
                    + mesh.processLogs(), Map.of());
            return;
        }
        boolean routed = waitFor(() -> {
            mesh.curl(DemoTopology.CLIENT, reviewsUrl());
            return Prometheus.sum(waypointServed()) > 0;
        });
        double before = Prometheus.sum(waypointServed());
        line("waypoint ready; node1's node-proxy sends reviews traffic to it: %s", routed ? "yes" : "NO");
        Map<String, Integer> counts = versions(DemoTopology.CLIENT, requests, reviewsUrl(), false);
        int v1 = counts.getOrDefault("v1", 0);
        int v2 = counts.getOrDefault("v2", 0);
        double v2Percent = percent(v2, requests);
        line("v1: %d (%.1f %%)  v2: %d (%.1f %%)  failed: %d", v1, percent(v1, requests), v2, v2Percent,
                counts.getOrDefault("failed", 0));
        long counted = Math.round(Prometheus.sum(waypointServed()) - before);
        line("waypoint counted %d of them: istio_requests_total{reporter=\"waypoint\",destination_service_name=\"reviews\","
                + "response_code=\"200\"} went up by %d", counted, counted);
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("requests", requests);
        evidence.put("v1", v1);
        evidence.put("v2", v2);
        evidence.put("v1_percent", percent(v1, requests));
        evidence.put("v2_percent", v2Percent);
        evidence.put("waypoint_requests_200", counted);
        boolean ok = routed && counted == requests && v1 + v2 == requests && Math.abs(v2Percent - SPLIT_V2_PERCENT) <= SPLIT_TOLERANCE;
        finish("canary_split", title, ok, ok ? "every request served; v2 got " + v2Percent + " % (10 % +- 5)"
                : "expected every request served and v2 within 10 % +- 5, got v2 " + v2Percent + " %", evidence);
    }

    private List<String> waypointServed() {
        return mesh.waypointMetrics(DemoTopology.WAYPOINT).withLabels("istio_requests_total",
                "reporter=\"waypoint\"", "destination_service_name=\"reviews\"", "response_code=\"200\"");
    }

    void retry() {
        String title = "a retry hiding an injected failure (HTTPRoute retry on 503 at the waypoint)";
        String id = UUID.randomUUID().toString().substring(0, 8);
        String path = "/retry-" + id;
        header(title, "GET " + path + " with header x-demo-fail-once: " + id + "; whichever reviews replica gets it "
                + "first answers 503 once, the route retries");
        CommandResult r = mesh.lab().pod(DemoTopology.CLIENT).exec("curl", "-sS", "--max-time", "10",
                "-H", "x-demo-fail-once: " + id, "-o", "/dev/null", "-w", "%{http_code}",
                reviewsUrl().replaceAll("/$", "") + path);
        String status = r.stdout().strip();
        List<String> backend = new ArrayList<>();
        List<String> access = new ArrayList<>();
        waitFor(() -> {
            backend.clear();
            for (Map.Entry<String, LabProcess> app : apps.entrySet()) {
                app.getValue().log().lines().filter(l -> l.contains("fail_once=" + id))
                        .forEach(l -> backend.add(app.getKey() + ": " + l.strip()));
            }
            access.clear();
            mesh.process(MeshLab.waypointProcess(DemoTopology.WAYPOINT)).log().lines()
                    .filter(l -> l.contains("\"path\":\"" + path + "\"")).forEach(l -> access.add(l.strip()));
            // both backend lines: the app's log is read as it is written, the 503 may not be there yet
            return !access.isEmpty() && backend.stream().anyMatch(l -> l.contains("status=200"))
                    && backend.stream().anyMatch(l -> l.contains("status=503"));
        });
        int attempts = access.isEmpty() ? 0 : jsonInt(access.getFirst(), "upstream_attempts");
        int responseCode = access.isEmpty() ? 0 : jsonInt(access.getFirst(), "response_code");
        long backend503 = backend.stream().filter(l -> l.contains("status=503")).count();
        line("client got HTTP %s", status.isEmpty() ? "nothing (" + r.stderr().strip() + ")" : status);
        for (String l : backend) {
            line("backend %s", l);
        }
        for (String l : access) {
            line("waypoint access log: %s", l.substring(Math.max(0, l.indexOf('{'))));
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("client_status", status);
        evidence.put("backend_503", backend503);
        evidence.put("upstream_attempts", attempts);
        evidence.put("retries", Math.max(0, attempts - 1));
        evidence.put("waypoint_response_code", responseCode);
        boolean ok = status.equals("200") && backend503 == 1 && attempts >= 2 && responseCode == 200;
        finish("retry", title, ok, ok ? "a backend answered 503, the waypoint retried (" + attempts + " upstream "
                + "attempts) and the client saw 200" : "expected 200 to the client, one 503 at a backend and at least 2 "
                + "upstream attempts in the waypoint's access log", evidence);
    }

    /** An integer field of a one-line JSON object; 0 when absent. */
    private static int jsonInt(String line, String field) {
        try {
            JsonNode n = new ObjectMapper().readTree(line.substring(line.indexOf('{'))).path(field);
            return n.asInt(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    void denial() {
        String title = "an AuthorizationPolicy denies one client";
        header(title, "policies default/deny-blocked-l7 (at the waypoint in front of Service reviews) and "
                + "default/deny-blocked (at the node-proxy in front of the reviews pods, reached by pod IP), shipped in "
                + "e2e/src/main/resources/demo/, deny sa/blocked");
        boolean allowed = firstLine(mesh.curl(DemoTopology.CLIENT, reviewsUrl())).contains(marker);
        String[] waypointStatus = {""};
        boolean forbidden = waitFor(() -> {
            waypointStatus[0] = mesh.lab().pod(DemoTopology.BLOCKED).exec("curl", "-sS", "--max-time", "5", "-o",
                    "/dev/null", "-w", "%{http_code}", reviewsUrl()).stdout().strip();
            return waypointStatus[0].equals("403");
        });
        // around the waypoint: straight to the pods, where the node-proxy sees sa/blocked itself
        boolean refused = waitFor(() -> !mesh.curl(DemoTopology.BLOCKED, podUrl()).ok());
        CommandResult r = mesh.curl(DemoTopology.BLOCKED, podUrl());
        String curlSays = r.stderr().strip().lines().findFirst().orElse("exit " + r.exitCode());
        List<String> deny = new ArrayList<>();
        boolean counted = waitFor(() -> {
            deny.clear();
            deny.addAll(mesh.metrics("node2").withLabels("istio_tcp_connections_closed_total",
                    "reporter=\"destination\"", "response_flags=\"DENY\"",
                    "source_principal=\"spiffe://cluster.local/ns/default/sa/blocked\""));
            return Prometheus.sum(deny) > 0;
        });
        line("client  -> reviews (waypoint): %s", allowed ? "served" : "FAILED");
        line("blocked -> reviews (waypoint): HTTP %s", waypointStatus[0]);
        line("blocked -> reviews-v1 by pod IP (node-proxy): %s (%s)", refused && !r.ok() ? "refused" : "SERVED", curlSays);
        for (String l : deny) {
            line("node2: %s", compact(l));
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("allowed_client_served", allowed);
        evidence.put("waypoint_status", waypointStatus[0]);
        evidence.put("denied_client_refused", refused && !r.ok());
        evidence.put("curl_error", curlSays);
        evidence.put("deny_connections_counted", (long) Prometheus.sum(deny));
        boolean ok = allowed && forbidden && refused && !r.ok() && counted;
        finish("denial", title, ok, ok ? "the waypoint answered sa/blocked 403; around it, the node-proxy in front of "
                + "reviews refused sa/blocked and counted it with response_flags=DENY" : "see evidence", evidence);
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
        List<String> waypoint = mesh.waypointMetrics(DemoTopology.WAYPOINT).lines("istio_requests_total");
        total += waypoint.size();
        waypoint.stream().limit(4).forEach(l -> line("waypoint  %s", compact(l)));
        evidence.put("waypoint_istio_requests_series", waypoint.size());
        finish("metrics", title, total > 0, total > 0 ? total + " istio_* series exported" : "no istio_* series", evidence);
    }

    /** A sample line with only the labels a reader needs (the full line has 20 labels). */
    static String compact(String sample) {
        int brace = sample.indexOf('{');
        int end = sample.lastIndexOf('}');
        if (brace < 0 || end < brace) {
            return sample;
        }
        List<String> kept = new ArrayList<>();
        for (String label : sample.substring(brace + 1, end).split(",")) {
            String key = label.substring(0, Math.max(0, label.indexOf('=')));
            if (List.of("reporter", "source_workload", "destination_workload", "destination_service_name",
                    "response_code", "connection_security_policy", "response_flags").contains(key)) {
                kept.add(label);
            }
        }
        return sample.substring(0, brace) + "{" + String.join(",", kept) + ",...}" + sample.substring(end + 1);
    }

    /**
     * {@code requests} GETs of {@code url} from one curl in {@code pod}, counted by the version in the body; with
     * {@code connectionEach} every request asks for {@code Connection: close}, so each is a new connection (what L4
     * balancing acts on); otherwise curl keeps its connection (the waypoint balances requests).
     */
    private Map<String, Integer> versions(String pod, int requests, String url, boolean connectionEach) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "120"));
        if (connectionEach) {
            argv.addAll(List.of("-H", "Connection: close"));
        }
        for (int i = 0; i < requests; i++) {
            argv.add(url);
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

    static double percent(int n, int of) {
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

    private void finish(String id, String title, boolean ok, String detail, Map<String, Object> evidence) {
        finishWith(new DemoSummary.Step(id, title, ok ? DemoSummary.Status.ok : DemoSummary.Status.failed, detail, evidence));
    }

    private void finishWith(DemoSummary.Step step) {
        summary.add(step);
        out.printf(Locale.ROOT, "   => %s: %s%n", step.status(), step.detail());
        out.flush();
    }
}
