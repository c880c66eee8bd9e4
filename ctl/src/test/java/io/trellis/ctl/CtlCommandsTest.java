package io.trellis.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.identity.PemFiles;
import io.trellis.node.identity.CertificateStatus;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.node.xds.XdsClientConfig;
import io.trellis.node.xds.XdsClientThread;
import io.trellis.proxy.core.admin.AdminEndpoints;
import io.trellis.proxy.core.admin.AdminHttpServer;
import io.trellis.proxy.core.admin.LogLevels;
import io.trellis.proxy.core.controller.ControllerChannels;
import io.trellis.testkit.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command in-process against a real controller on loopback (a temp YAML config dir), a real node-proxy
 * workload xDS client connected to it as proxy {@code node-a}, and a real proxy admin server.
 */
class CtlCommandsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path configDir;
    private static Controller controller;
    private static ManagedChannel proxyChannel;
    private static WorkloadXdsClient proxy;
    private static ScheduledExecutorService proxyExecutor;
    private static AdminHttpServer admin;
    private static String controllerAddress;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(configDir.resolve("shop.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shop
                  labels:
                    trellis.io/dataplane-mode: ambient
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec:
                  clusterIP: 10.96.0.50
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                ---
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: web-from-client, namespace: shop}
                spec:
                  selector: {matchLabels: {app: web}}
                  action: ALLOW
                  rules:
                    - from: [{source: {principals: ["cluster.local/ns/shop/sa/client"]}}]
                      to: [{operation: {ports: ["8080"]}}]
                """ + pod("web-1", "web", "node-a", "10.42.1.5") + pod("client", "client", "node-a", "10.42.1.6")
                + pod("other", "other", "node-b", "10.42.2.6"));
        // a namespace of its own for the waypoint test, which changes how traffic to it flows
        Files.writeString(configDir.resolve("lab.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: lab
                  labels:
                    trellis.io/dataplane-mode: ambient
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: api, namespace: lab}
                spec:
                  clusterIP: 10.96.0.60
                  selector: {app: api}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                """ + pod("api-1", "api", "node-a", "10.42.1.7").replace("shop", "lab")
                + pod("caller", "caller", "node-b", "10.42.2.7").replace("shop", "lab"));
        ControllerSettings d = ControllerSettings.defaults(configDir);
        controller = new Controller(new ControllerSettings(configDir, false, d.mesh(), "127.0.0.1", 0, 0, 0, null,
                null, Duration.ofMillis(20), Duration.ofMillis(200), d.maxCertTtl(), Duration.ofMillis(200)));
        controller.start();
        controllerAddress = "127.0.0.1:" + controller.xdsPort();
        Await.until("controller ready", WAIT, controller::ready);

        proxyExecutor = XdsClientThread.start("test-proxy-xds");
        proxyChannel = ControllerChannels.plaintext("127.0.0.1", controller.xdsPort());
        proxy = new WorkloadXdsClient(proxyChannel, XdsClientConfig.defaults("node-a"), new MeshStore(),
                proxyExecutor, Clock.systemUTC(), new Random(1), new SimpleMeterRegistry());
        proxy.start();
        Await.until("proxy synced", WAIT, () -> proxy.status().synced());

        admin = AdminHttpServer.start("admin", new InetSocketAddress("127.0.0.1", 0), AdminEndpoints.admin(
                () -> Map.of("xds", proxy.status(), "node", "node-a"),
                () -> List.of(new CertificateStatus("spiffe://cluster.local/ns/shop/sa/web", "0a1b",
                        "2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z", "2026-11-26T12:00:00Z", 0)),
                LogLevels.logback(), () -> { }));
    }

    private static String pod(String name, String app, String node, String ip) {
        return """
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: shop, labels: {app: %s}}
                spec:
                  serviceAccountName: %s
                  nodeName: %s
                  containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]
                status: {phase: Running, podIP: %s}
                """.formatted(name, app, app, node, ip);
    }

    @AfterAll
    static void stop() {
        // null-safe: runs after a failed start() too
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (proxy != null) {
            XdsClientThread.stop(proxy, proxyChannel, proxyExecutor, Duration.ofSeconds(2));
            proxy = null;
        }
        if (controller != null) {
            controller.close();
            controller = null;
        }
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TrellisCtl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void proxyStatusShowsTheConnectedProxyAndItsAcks() throws Exception {
        Result r = run("proxy-status", "--controller", controllerAddress);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).contains("PROXY", "TYPE", "ACKED", "NACKS", "LAST_NACK");
        assertThat(r.out()).contains("node-a", "Workload", "Service", "Authorization");

        JsonNode json = Output.JSON.readTree(run("proxy-status", "--controller", controllerAddress, "-o", "json").out());
        JsonNode workloads = null;
        for (JsonNode row : json) {
            if (row.get("proxy").asText().equals("node-a") && row.get("type").asText().equals("Workload")) {
                workloads = row;
            }
        }
        assertThat(workloads).isNotNull();
        assertThat(workloads.get("acked").asInt()).isEqualTo(5);
        assertThat(workloads.get("nacks").asInt()).isZero();
    }

    @Test
    void proxyStatusRowsCarryANacksMessage() {
        var status = io.trellis.api.workload.v1.ProxyStatus.newBuilder().setProxyId("node-b").setPeer("10.0.0.2:4000")
                .addTypes(io.trellis.api.workload.v1.TypeStatus.newBuilder()
                        .setTypeUrl("type.googleapis.com/trellis.workload.v1.Workload").setAckedResources(4)
                        .setNacksTotal(2).setLastNack(io.trellis.api.workload.v1.Nack.newBuilder().setNonce("7")
                                .setMessage("workload demo/x: addresses[0]: 5 bytes is not an IP"))).build();
        String table = Output.table(ProxyStatusCommand.COLUMNS, ProxyStatusCommand.rows(List.of(status)));
        assertThat(table).contains("node-b", "Workload", "workload demo/x: addresses[0]: 5 bytes is not an IP (nonce 7)");
    }

    @Test
    void workloadsListsEveryPodWithItsIdentity() throws Exception {
        Result r = run("workloads", "--controller", controllerAddress);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("web-1", "10.42.1.5", "spiffe://cluster.local/ns/shop/sa/web", "HBONE", "node-a",
                "api-1");
        JsonNode yaml = Output.YAML.readTree(run("workloads", "--controller", controllerAddress, "-o", "yaml",
                "-n", "shop").out());
        assertThat(yaml).hasSize(3);
        assertThat(yaml.get(0).get("name").asText()).isEqualTo("client");
    }

    @Test
    void authzCheckDecidesAsTheNodeProxyWould() {
        Result allowed = run("authz", "check", "shop/client", "shop/web-1:8080", "--controller", controllerAddress);
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("ALLOW", "ALLOWED_BY_POLICY", "shop/web-from-client");

        Result denied = run("authz", "check", "10.42.2.6", "10.96.0.50:80", "--controller", controllerAddress);
        assertThat(denied.exit()).isEqualTo(3);
        assertThat(denied.out()).contains("shop/web-1", "8080", "DENY", "NO_ALLOW_MATCH");

        Result wrongPort = run("authz", "check", "shop/client", "web.shop.svc.cluster.local:81", "--controller",
                controllerAddress);
        assertThat(wrongPort.exit()).isEqualTo(1);
        assertThat(wrongPort.err()).contains("neither a workload nor a service port");

        Result unknown = run("authz", "check", "shop/nobody", "shop/web-1:8080", "--controller", controllerAddress);
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no workload 'shop/nobody'");
    }

    @Test
    void configDumpAndCertsReadTheProxyAdminPort() throws Exception {
        String proxyAdmin = "127.0.0.1:" + admin.port();
        Result dump = run("config-dump", proxyAdmin);
        assertThat(dump.exit()).as(dump.err()).isZero();
        assertThat(Output.JSON.readTree(dump.out()).get("node").asText()).isEqualTo("node-a");

        Result certs = run("certs", proxyAdmin);
        assertThat(certs.exit()).as(certs.err()).isZero();
        assertThat(certs.out()).contains("IDENTITY", "NEXTRENEWAL", "spiffe://cluster.local/ns/shop/sa/web", "0a1b");

        Result down = run("certs", "127.0.0.1:1");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach the proxy's admin port");
    }

    @Test
    void installPrintsTheManifestsWithOptions() throws Exception {
        Result r = run("install", "--namespace", "mesh", "--tag", "dev-3", "--controller-replicas", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        List<JsonNode> docs = Output.YAML.readerFor(JsonNode.class).<JsonNode>readValues(r.out()).readAll();
        JsonNode deployment = docs.stream().filter(d -> d.get("kind").asText().equals("Deployment")).findFirst()
                .orElseThrow();
        assertThat(deployment.at("/metadata/namespace").asText()).isEqualTo("mesh");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(deployment.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("trellis/controller:dev-3");

        Result bad = run("install", "--namespace", "Bad_Name");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("DNS-1123");
    }

    @Test
    void waypointApplyWritesAGatewayTheControllerUses() throws Exception {
        Result direct = run("authz", "check", "lab/caller", "10.96.0.60:80", "--controller", controllerAddress);
        assertThat(direct.out()).contains("direct", "ALLOW", "NO_ALLOW_POLICY");

        Result printed = run("waypoint", "apply", "-n", "shop", "--enroll-namespace");
        assertThat(printed.exit()).as(printed.err()).isZero();
        assertThat(printed.out()).contains("gatewayClassName: trellis-waypoint", "protocol: HBONE",
                "trellis.io/use-waypoint: waypoint");

        Result written = run("waypoint", "apply", "-n", "lab", "--enroll-namespace", "--address", "10.42.1.99",
                "--config-dir", configDir.toString());
        assertThat(written.exit()).as(written.err()).isZero();
        assertThat(configDir.resolve("waypoint-lab-waypoint.yaml")).exists();
        // the namespace already lives in lab.yaml: it gets the label there, not a duplicate
        assertThat(Files.readString(configDir.resolve("lab.yaml"))).contains("trellis.io/use-waypoint: waypoint");
        assertThat(Files.readString(configDir.resolve("waypoint-lab-waypoint.yaml"))).doesNotContain("Namespace");

        // the controller picked it up: api's traffic now goes through the waypoint, so the destination node-proxy
        // sees the waypoint's identity (and with no ALLOW policy, lets it in)
        Await.until("traffic to api goes via the waypoint", WAIT, () -> run("authz", "check", "lab/caller",
                "10.96.0.60:80", "--controller", controllerAddress).out().contains("waypoint spiffe://"));
        Result viaWaypoint = run("authz", "check", "lab/caller", "10.96.0.60:80", "--controller", controllerAddress);
        assertThat(viaWaypoint.out()).contains("spiffe://cluster.local/ns/lab/sa/waypoint", "ALLOW");

        Result bad = run("waypoint", "apply", "-n", "Shop");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("DNS-1123");
    }

    @Test
    void proxyStatusOverTlsVerifiesTheControllerBySpiffeId(@TempDir Path tls) throws Exception {
        Path root = tls.resolve("root-cert.pem");
        PemFiles.writeCertificates(root, controller.roots());
        String tlsAddress = "127.0.0.1:" + controller.xdsTlsPort();
        Result r = run("proxy-status", "--controller", tlsAddress, "--controller-root-cert", root.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("node-a", "Workload");

        Result impostor = run("proxy-status", "--controller", tlsAddress, "--controller-root-cert", root.toString(),
                "--controller-identity", "spiffe://cluster.local/ns/trellis-system/sa/impostor");
        assertThat(impostor.exit()).isEqualTo(1);
        assertThat(impostor.err()).contains("cannot read proxy status", "UNAVAILABLE");
        Result otherDomain = run("proxy-status", "--controller", tlsAddress, "--controller-root-cert", root.toString(),
                "--controller-identity", "spiffe://other.domain/ns/trellis-system/sa/trellis-controller");
        assertThat(otherDomain.exit()).isEqualTo(1);
        assertThat(otherDomain.err()).contains("--controller-identity", "not in trust domain cluster.local");
        Result noRoot = run("workloads", "--controller", tlsAddress, "--controller-root-cert",
                tls.resolve("missing.pem").toString());
        assertThat(noRoot.exit()).isEqualTo(1);
        assertThat(noRoot.err()).contains("--controller-root-cert");
    }

    @Test
    void unreachableControllerIsAClearError() {
        Result r = run("proxy-status", "--controller", "127.0.0.1:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot read proxy status", "is it running");
        Result w = run("workloads", "--controller", "127.0.0.1:1", "--timeout", "1s");
        assertThat(w.exit()).isEqualTo(1);
        assertThat(w.err()).contains("no complete workload state");
    }
}
