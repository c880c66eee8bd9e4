package io.trellis.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.e2e.loopback.LoopbackMesh;
import io.trellis.e2e.loopback.LoopbackTopology;
import io.trellis.e2e.loopback.LoopbackTopology.Service;
import io.trellis.e2e.loopback.LoopbackTopology.Workload;
import io.trellis.e2e.loopback.TlsProbe;
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
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The demo without root: the same mesh on the host's loopback ({@link LoopbackMesh}), apps reached through each
 * workload's SOCKS5 entry instead of transparent capture. node1 runs {@code client} and {@code blocked}; node2 runs
 * {@code reviews-v1}, {@code reviews-v2} and the waypoint; Service {@code reviews} is labelled for the waypoint, whose
 * HTTPRoute splits 90/10 and retries a 503. What it cannot show here is recorded as skipped, with the reason.
 */
final class LoopbackDemo {

    private static final Duration WAIT = Duration.ofSeconds(30);
    static final LoopbackMesh.Waypoint WAYPOINT = new LoopbackMesh.Waypoint("reviews-waypoint", "default", "waypoint");
    private static final String HOST = "reviews.default.svc.cluster.local";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the loopback variant cannot do, each with the reason; reported as skipped steps. */
    static final Map<String, String> SKIPPED = skipped();

    private static Map<String, String> skipped() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("capture", "transparent capture (iptables REDIRECT into the node-proxy) needs root: apps opt in through "
                + "their SOCKS5 entry instead");
        m.put("netns", "per-pod network namespaces need root: each workload is a 127.x address on this host's loopback");
        m.put("underlay", "capturing the traffic between nodes needs root (tshark on the lab's bridge): the HBONE "
                + "listener is probed from outside instead (plaintext refused, TLS 1.3 handshake, client certificate "
                + "required)");
        return java.util.Collections.unmodifiableMap(m);
    }

    private final PrintWriter out;
    private final DemoSummary summary;
    private final String marker = "trellis-demo-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, Process> apps = new LinkedHashMap<>();
    private @org.jspecify.annotations.Nullable LoopbackMesh mesh;
    private int number;

    LoopbackDemo(PrintWriter out, DemoSummary summary) {
        this.out = out;
        this.summary = summary;
    }

    static LoopbackTopology topology(String block) {
        LoopbackTopology t = new LoopbackTopology(block, List.of(), List.of(), List.of());
        List<Workload> pods = List.of(
                new Workload(DemoTopology.CLIENT, "default", "client", "node1", t.ip(11), Map.of("app", "client")),
                new Workload(DemoTopology.BLOCKED, "default", "blocked", "node1", t.ip(12), Map.of("app", "blocked")),
                new Workload("reviews-v1", "default", "reviews", "node2", t.ip(21),
                        Map.of("app", "reviews", "version", "v1")),
                new Workload("reviews-v2", "default", "reviews", "node2", t.ip(22),
                        Map.of("app", "reviews", "version", "v2")),
                // the controller takes a waypoint's identity from the pods labelled with its Gateway's name
                new Workload(WAYPOINT.workload(), "default", WAYPOINT.gateway(), "node2", t.ip(31), Map.of(
                        "gateway.networking.k8s.io/gateway-name", WAYPOINT.gateway(),
                        "trellis.io/dataplane-mode", "none")));
        List<Service> services = List.of(
                new Service(DemoTopology.SERVICE, "default", t.ip(101), 80, DemoTopology.APP_PORT,
                        Map.of("app", "reviews"), Map.of("trellis.io/use-waypoint", WAYPOINT.gateway())),
                new Service("reviews-v1", "default", t.ip(102), 80, DemoTopology.APP_PORT,
                        Map.of("app", "reviews", "version", "v1"), Map.of()),
                new Service("reviews-v2", "default", t.ip(103), 80, DemoTopology.APP_PORT,
                        Map.of("app", "reviews", "version", "v2"), Map.of()));
        return new LoopbackTopology(block, List.of("node1", "node2"), pods, services);
    }

    /** Runs every step; the mesh is torn down before it returns (and by {@link #close} from a shutdown hook). */
    void run(Path runDir, int requests) {
        for (Map.Entry<String, String> s : SKIPPED.entrySet()) {
            out.printf(Locale.ROOT, "  skipped without root: %s%n", s.getValue());
        }
        LoopbackTopology topology = topology(LoopbackTopology.freeBlock(RandomGenerator.getDefault()));
        out.println("bringing up on " + topology.block() + ".0/24: the controller (" + topology.controllerIp()
                + "), node-proxies node1 (" + topology.nodeIp("node1") + ": client, blocked) and node2 ("
                + topology.nodeIp("node2") + ": reviews-v1, reviews-v2) in loopback mode ...");
        out.flush();
        try {
            mesh = LoopbackMesh.start(topology, runDir, Map.of(
                    DemoTopology.DENY_POLICY, DemoTopology.resource("demo/" + DemoTopology.DENY_POLICY),
                    DemoTopology.L7_DENY_POLICY, DemoTopology.resource("demo/" + DemoTopology.L7_DENY_POLICY),
                    DemoTopology.ROUTE, DemoTopology.resource("demo/" + DemoTopology.ROUTE)), List.of(WAYPOINT));
        } catch (RuntimeException e) {
            summary.add(new DemoSummary.Step("setup", "bring up the mesh on loopback", DemoSummary.Status.failed,
                    String.valueOf(e.getMessage()), Map.of()));
            out.println("the mesh did not come up (stopped again): " + e.getMessage());
            return;
        }
        try {
            out.println("up: logs under " + runDir.resolve("logs"));
            for (Map.Entry<String, String> s : SKIPPED.entrySet()) {
                summary.add(new DemoSummary.Step(s.getKey(), s.getKey(), DemoSummary.Status.skipped, s.getValue(),
                        Map.of()));
            }
            startApps(runDir);
            identities();
            mtls(requests);
            canarySplit(requests);
            retry();
            denial();
            metricsExcerpt();
        } catch (RuntimeException | IOException e) {
            summary.add(new DemoSummary.Step("error", "the demo stopped", DemoSummary.Status.failed,
                    e.getClass().getSimpleName() + ": " + e.getMessage(), Map.of()));
            out.println("\nthe demo stopped: " + e.getMessage() + mesh.processLogs());
        } finally {
            out.println("\nstopping the loopback mesh");
            close();
        }
    }

    /** Stops the mesh (and its apps); idempotent. */
    void close() {
        LoopbackMesh m = mesh;
        if (m != null) {
            m.close();
        }
    }

    private LoopbackMesh mesh() {
        LoopbackMesh m = mesh;
        if (m == null) {
            throw new IllegalStateException("the mesh is not up");
        }
        return m;
    }

    private void startApps(Path runDir) throws IOException {
        Path script = runDir.resolve(DemoTopology.APP_SCRIPT);
        Files.writeString(script, DemoTopology.resource("demo/" + DemoTopology.APP_SCRIPT), StandardCharsets.UTF_8);
        for (String pod : DemoTopology.REVIEWS) {
            String ip = mesh().topology().workload(pod).ip();
            String version = pod.substring(pod.lastIndexOf('-') + 1);
            apps.put(pod, mesh().startApp("app-" + pod, List.of("python3", "-u", script.toString(), version, marker,
                    String.valueOf(DemoTopology.APP_PORT), ip)));
            Poll.until("http server of " + pod + " on " + ip, WAIT,
                    () -> mesh().get("http://" + ip + ":" + DemoTopology.APP_PORT + "/") != null);
        }
    }

    private void identities() {
        String title = "SPIFFE identities in use";
        header(title, "each node-proxy holds a certificate per local workload identity, issued by the controller's CA "
                + "over TLS (port 15012, the controller verified by its SPIFFE id against the mesh root)");
        Map<String, Object> evidence = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String node : mesh().topology().nodes()) {
            TreeSet<String> expected = new TreeSet<>();
            for (Workload w : mesh().topology().workloads()) {
                if (w.node().equals(node) && !"none".equals(w.labels().get("trellis.io/dataplane-mode"))) {
                    expected.add("spiffe://cluster.local/ns/" + w.namespace() + "/sa/" + w.serviceAccount());
                }
            }
            TreeSet<String> held = new TreeSet<>();
            waitFor(() -> {
                held.clear();
                held.addAll(certificateIdentities(mesh().configDump(node)));
                return held.containsAll(expected);
            });
            held.forEach(id -> line("%s  node-proxy holds  %s", node, id));
            TreeSet<String> absent = new TreeSet<>(expected);
            absent.removeAll(held);
            missing.addAll(absent);
            evidence.put(node, List.copyOf(held));
        }
        finish("identities", title, missing.isEmpty(), missing.isEmpty() ? "every workload's identity has a "
                + "certificate on its node" : "no certificate for " + missing, evidence);
    }

    private static List<String> certificateIdentities(String dump) {
        List<String> ids = new ArrayList<>();
        try {
            for (JsonNode cert : JSON.readTree(dump.isBlank() ? "{}" : dump).path("certificates")) {
                if (cert.path("identity").isTextual()) {
                    ids.add(cert.path("identity").asText());
                }
            }
        } catch (IOException e) {
            // an unreadable dump holds no identities we can show
        }
        return ids;
    }

    private void mtls(int requests) throws IOException {
        String title = "traffic between the node-proxies is mutual TLS (HBONE on 15008)";
        Workload v1 = mesh().topology().workload("reviews-v1");
        header(title, "client -> Service reviews through client's SOCKS5 entry " + socks(DemoTopology.CLIENT)
                + " (node1), tunnelled to node2; then reviews-v1's HBONE listener " + v1.ip() + ":15008 probed from "
                + "outside");
        int served = 0;
        for (int i = 0; i < 5; i++) {
            if (curl(DemoTopology.CLIENT, "http://" + HOST + "/").contains(marker)) {
                served++;
            }
        }
        TlsProbe probe = TlsProbe.probe(v1.ip(), 15008);
        boolean sourceReport = waitFor(() -> !mesh().metrics("node1").withLabels("istio_tcp_connections_opened_total",
                "reporter=\"source\"", "connection_security_policy=\"mutual_tls\"",
                "destination_principal=\"spiffe://cluster.local/ns/default/sa/reviews\"").isEmpty());
        line("requests served through the mesh: %d/5", served);
        line("plaintext HTTP to %s:15008 answered with: %s (%s)", v1.ip(), probe.plaintextAnswer(),
                probe.plaintextRejected() ? "not HTTP: refused" : "HTTP!");
        line("TLS handshake: %s, ALPN %s, certificate %s issued by %s", probe.protocol(), probe.alpn(),
                probe.peerUris(), probe.peerIssuer());
        line("a client without a certificate of its own: %s", probe.clientRefusal().isEmpty() ? "ACCEPTED"
                : "refused (" + probe.clientRefusal() + ")");
        line("node1 reports istio_tcp_connections_opened_total{connection_security_policy=\"mutual_tls\"} to sa/reviews: %s",
                sourceReport ? "yes" : "no");
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("requests_served", served);
        evidence.put("plaintext_rejected", probe.plaintextRejected());
        evidence.put("tls_protocol", probe.protocol());
        evidence.put("alpn", probe.alpn());
        evidence.put("peer_identity", probe.peerUris());
        evidence.put("client_without_certificate_refused", !probe.clientRefusal().isEmpty());
        evidence.put("refusal", probe.clientRefusal());
        evidence.put("mutual_tls_reported", sourceReport);
        boolean ok = served == 5 && probe.plaintextRejected() && probe.protocol().equals("TLSv1.3")
                && probe.alpn().equals("h2")
                && probe.peerUris().equals(List.of("spiffe://cluster.local/ns/default/sa/reviews"))
                && !probe.clientRefusal().isEmpty() && sourceReport;
        finish("mtls", title, ok, ok ? "the HBONE listener speaks only TLS 1.3, shows the workload's SPIFFE id and "
                + "requires a client certificate; traffic through it is reported as mutual_tls"
                : "see evidence: expected 5 served, plaintext refused, TLS 1.3 with h2 and sa/reviews, a certificate "
                        + "required, the mutual_tls report", evidence);
    }

    private void canarySplit(int requested) {
        int requests = Math.max(requested, DemoSteps.SPLIT_MIN_REQUESTS);
        String title = "a 90/10 canary split (HTTPRoute weights at the waypoint)";
        header(title, "deploy waypoint reviews-waypoint (Gateway of class trellis-waypoint on "
                + mesh().topology().workload(WAYPOINT.workload()).ip() + "), then " + requests + " requests from client "
                + "to Service reviews (label trellis.io/use-waypoint), which node1's node-proxy now sends over HBONE "
                + "to the waypoint; HTTPRoute default/reviews: reviews-v1 90, reviews-v2 10");
        try {
            mesh().startWaypoint(WAYPOINT);
        } catch (RuntimeException e) {
            out.println(mesh().processLogs());
            finish("canary_split", title, false, "the waypoint did not come up: " + e.getMessage()
                    + " (logs under " + mesh().runDir().resolve("logs") + ")", Map.of());
            return;
        }
        boolean routed = waitFor(() -> {
            curl(DemoTopology.CLIENT, "http://" + HOST + "/");
            return Prometheus.sum(waypointServed()) > 0;
        });
        double before = Prometheus.sum(waypointServed());
        line("waypoint ready; node1's node-proxy sends reviews traffic to it: %s", routed ? "yes" : "NO");
        Map<String, Integer> counts = versions(DemoTopology.CLIENT, requests);
        int v1 = counts.getOrDefault("v1", 0);
        int v2 = counts.getOrDefault("v2", 0);
        double v2Percent = DemoSteps.percent(v2, requests);
        line("v1: %d (%.1f %%)  v2: %d (%.1f %%)  failed: %d", v1, DemoSteps.percent(v1, requests), v2, v2Percent,
                counts.getOrDefault("failed", 0));
        long counted = Math.round(Prometheus.sum(waypointServed()) - before);
        line("waypoint counted %d of them: istio_requests_total{reporter=\"waypoint\",destination_service_name=\"reviews\","
                + "response_code=\"200\"}", counted);
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("requests", requests);
        evidence.put("v1", v1);
        evidence.put("v2", v2);
        evidence.put("v1_percent", DemoSteps.percent(v1, requests));
        evidence.put("v2_percent", v2Percent);
        evidence.put("waypoint_requests_200", counted);
        boolean ok = routed && counted == requests && v1 + v2 == requests
                && Math.abs(v2Percent - DemoSteps.SPLIT_V2_PERCENT) <= DemoSteps.SPLIT_TOLERANCE;
        finish("canary_split", title, ok, ok ? "every request served; v2 got " + v2Percent + " % (10 % +- 5)"
                : "expected every request served and v2 within 10 % +- 5, got v2 " + v2Percent + " %", evidence);
    }

    private List<String> waypointServed() {
        return mesh().waypointMetrics(WAYPOINT).withLabels("istio_requests_total", "reporter=\"waypoint\"",
                "destination_service_name=\"reviews\"", "response_code=\"200\"");
    }

    private void retry() {
        String title = "a retry hiding an injected failure (HTTPRoute retry on 503 at the waypoint)";
        String id = UUID.randomUUID().toString().substring(0, 8);
        String path = "/retry-" + id;
        header(title, "GET " + path + " with header x-demo-fail-once: " + id + "; whichever reviews replica gets it "
                + "first answers 503 once, the route retries");
        Result r = run(List.of("curl", "-sS", "--max-time", "10", "--socks5-hostname", socks(DemoTopology.CLIENT),
                "-H", "x-demo-fail-once: " + id, "-o", "/dev/null", "-w", "%{http_code}", "http://" + HOST + path));
        String status = r.stdout().strip();
        List<String> backend = new ArrayList<>();
        List<String> access = new ArrayList<>();
        waitFor(() -> {
            backend.clear();
            for (String app : apps.keySet()) {
                mesh().log("app-" + app).lines().filter(l -> l.contains("fail_once=" + id))
                        .forEach(l -> backend.add(app + ": " + l.strip()));
            }
            access.clear();
            mesh().log(LoopbackMesh.waypointProcess(WAYPOINT)).lines()
                    .filter(l -> l.contains("\"path\":\"" + path + "\"")).forEach(l -> access.add(l.strip()));
            // both backend lines: the app's log is read as it is written, the 503 may not be there yet
            return !access.isEmpty() && backend.stream().anyMatch(l -> l.contains("status=200"))
                    && backend.stream().anyMatch(l -> l.contains("status=503"));
        });
        int attempts = access.isEmpty() ? 0 : jsonInt(access.getFirst(), "upstream_attempts");
        long backend503 = backend.stream().filter(l -> l.contains("status=503")).count();
        line("client got HTTP %s", status.isEmpty() ? "nothing (" + r.stderr().strip() + ")" : status);
        backend.forEach(l -> line("backend %s", l));
        access.forEach(l -> line("waypoint access log: %s", l.substring(Math.max(0, l.indexOf('{')))));
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("client_status", status);
        evidence.put("backend_503", backend503);
        evidence.put("upstream_attempts", attempts);
        boolean ok = status.equals("200") && backend503 == 1 && attempts >= 2;
        finish("retry", title, ok, ok ? "a backend answered 503, the waypoint retried (" + attempts + " upstream "
                + "attempts) and the client saw 200" : "expected 200 to the client, one 503 at a backend and at least 2 "
                + "upstream attempts in the waypoint's access log", evidence);
    }

    private static int jsonInt(String line, String field) {
        try {
            return JSON.readTree(line.substring(line.indexOf('{'))).path(field).asInt(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void denial() {
        String title = "an AuthorizationPolicy denies one client";
        Workload v1 = mesh().topology().workload("reviews-v1");
        header(title, "policies default/deny-blocked-l7 (at the waypoint) and default/deny-blocked (at node2's "
                + "node-proxy, reached by pod IP " + v1.ip() + ") deny sa/blocked; blocked uses its own SOCKS5 entry "
                + socks(DemoTopology.BLOCKED));
        boolean allowed = curl(DemoTopology.CLIENT, "http://" + HOST + "/").contains(marker);
        String[] waypointStatus = {""};
        boolean forbidden = waitFor(() -> {
            waypointStatus[0] = run(List.of("curl", "-sS", "--max-time", "5", "--socks5-hostname",
                    socks(DemoTopology.BLOCKED), "-o", "/dev/null", "-w", "%{http_code}", "http://" + HOST + "/"))
                    .stdout().strip();
            return waypointStatus[0].equals("403");
        });
        String podUrl = "http://" + v1.ip() + ":" + DemoTopology.APP_PORT + "/";
        Result[] direct = {run(curlArgs(DemoTopology.BLOCKED, podUrl))};
        boolean refused = waitFor(() -> {
            direct[0] = run(curlArgs(DemoTopology.BLOCKED, podUrl));
            return direct[0].exit() != 0;
        });
        String curlSays = direct[0].stderr().strip().lines().findFirst().orElse("exit " + direct[0].exit());
        List<String> deny = new ArrayList<>();
        boolean counted = waitFor(() -> {
            deny.clear();
            deny.addAll(mesh().metrics("node2").withLabels("istio_tcp_connections_closed_total",
                    "reporter=\"destination\"", "response_flags=\"DENY\"",
                    "source_principal=\"spiffe://cluster.local/ns/default/sa/blocked\""));
            return Prometheus.sum(deny) > 0;
        });
        line("client  -> reviews (waypoint): %s", allowed ? "served" : "FAILED");
        line("blocked -> reviews (waypoint): HTTP %s", waypointStatus[0]);
        line("blocked -> reviews-v1 by pod IP (node-proxy): %s (%s)", refused ? "refused" : "SERVED", curlSays);
        deny.forEach(l -> line("node2: %s", DemoSteps.compact(l)));
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("allowed_client_served", allowed);
        evidence.put("waypoint_status", waypointStatus[0]);
        evidence.put("denied_client_refused", refused);
        evidence.put("curl_error", curlSays);
        evidence.put("deny_connections_counted", (long) Prometheus.sum(deny));
        boolean ok = allowed && forbidden && refused && counted;
        finish("denial", title, ok, ok ? "the waypoint answered sa/blocked 403; around it, node2's node-proxy "
                + "refused sa/blocked and counted it with response_flags=DENY" : "see evidence", evidence);
    }

    private void metricsExcerpt() {
        String title = "an excerpt of the metrics (node-proxy :15020/stats/prometheus)";
        header(title, "Istio-named istio_* series, as dashboards built for Istio expect them");
        Map<String, Object> evidence = new LinkedHashMap<>();
        int total = 0;
        for (String node : mesh().topology().nodes()) {
            List<String> istio = mesh().metrics(node).lines("istio_");
            total += istio.size();
            istio.stream().filter(l -> l.contains("reviews") && !l.endsWith(" 0.0")).limit(4)
                    .forEach(l -> line("%s  %s", node, DemoSteps.compact(l)));
            evidence.put(node + "_istio_series", istio.size());
        }
        List<String> waypoint = mesh().waypointMetrics(WAYPOINT).lines("istio_requests_total");
        total += waypoint.size();
        waypoint.stream().limit(4).forEach(l -> line("waypoint  %s", DemoSteps.compact(l)));
        evidence.put("waypoint_istio_requests_series", waypoint.size());
        finish("metrics", title, total > 0, total > 0 ? total + " istio_* series exported" : "no istio_* series",
                evidence);
    }

    /** {@code requests} GETs of Service reviews from one curl (one kept-alive connection), counted by version. */
    private Map<String, Integer> versions(String workload, int requests) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "120", "--socks5-hostname",
                socks(workload)));
        for (int i = 0; i < requests; i++) {
            argv.add("http://" + HOST + "/");
        }
        Result r = run(argv);
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

    private String socks(String workload) {
        return mesh().topology().workload(workload).ip() + ":" + LoopbackMesh.SOCKS5_PORT;
    }

    private List<String> curlArgs(String workload, String url) {
        return List.of("curl", "-sS", "--max-time", "5", "--socks5-hostname", socks(workload), url);
    }

    /** One GET through {@code workload}'s SOCKS5 entry: the body, empty on failure. */
    private String curl(String workload, String url) {
        Result r = run(curlArgs(workload, url));
        return r.exit() == 0 ? r.stdout() : "";
    }

    private record Result(int exit, String stdout, String stderr) {}

    private static Result run(List<String> command) {
        try {
            Path err = Files.createTempFile("trellis-demo-curl", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(150, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Result(p.exitValue(), stdout, Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(-1, "", "cannot run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
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
        out.printf(Locale.ROOT, "%n%d. %s%n   %s%n", number, title, what);
        out.flush();
    }

    private void line(String format, Object... args) {
        out.printf(Locale.ROOT, "   " + format + "%n", args);
        out.flush();
    }

    private void finish(String id, String title, boolean ok, String detail, Map<String, Object> evidence) {
        DemoSummary.Step step = new DemoSummary.Step(id, title, ok ? DemoSummary.Status.ok : DemoSummary.Status.failed,
                detail, evidence);
        summary.add(step);
        out.printf(Locale.ROOT, "   => %s: %s%n", step.status(), step.detail());
        out.flush();
    }
}
