package io.trellis.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.controller.Controller;
import io.trellis.identity.RenewalPolicy;
import io.trellis.identity.SpiffeId;
import io.trellis.node.identity.CertificateManager;
import io.trellis.node.identity.GrpcCaClient;
import io.trellis.node.state.MeshStore;
import io.trellis.node.xds.WorkloadXdsClient;
import io.trellis.node.xds.XdsClientConfig;
import io.trellis.node.xds.XdsClientThread;
import io.trellis.node.testing.LocalController;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-proxy's operator ports wired to a real xDS client and certificate manager against the controller. */
class NodeAdminTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOKEN = "node-a-bootstrap-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void readyOnceConfigAndCertificatesAreInAndDumpsThem() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {trellis.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: client, namespace: demo, labels: {app: client}}
                spec: {serviceAccountName: client, nodeName: node-a}
                status: {phase: Running, podIP: 10.42.1.10}
                """);
        Files.writeString(dir.resolve("tokens"), "node node-a " + TOKEN + "\n");
        Controller controller = new Controller(LocalController.settings(config, 0, dir.resolve("tokens")));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScheduledExecutorService executor = XdsClientThread.start("xds-admin-test");
        AtomicInteger quits = new AtomicInteger();
        MeshStore store = new MeshStore();
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", controller.xdsPort()).usePlaintext()
                .build();
        WorkloadXdsClient xds = new WorkloadXdsClient(channel, XdsClientConfig.defaults("node-a"), store, executor,
                Clock.systemUTC(), new Random(), registry);
        CertificateManager certs = new CertificateManager(new GrpcCaClient(channel, () -> TOKEN, Duration.ofHours(1),
                Duration.ofSeconds(10), Clock.systemUTC()), "cluster.local", executor, Clock.systemUTC(), new Random(),
                RenewalPolicy.DEFAULT, registry);
        try (NodeAdmin admin = NodeAdmin.start("node-a", InetAddress.getLoopbackAddress(),
                InetAddress.getLoopbackAddress(), new int[] {0, 0, 0}, store, xds, certs, registry, quits::incrementAndGet,
                () -> java.util.List.of(new io.trellis.node.proxy.EndpointHealth.Ejection("10.42.2.7:8080",
                        "service_endpoint", 2, 9_000)));
                HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> notReady = get(http, admin.readinessPort(), "/healthz/ready");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("waiting for the first workload xDS update");

            xds.start();
            SpiffeId client = certs.identityOf("demo", "client");
            certs.prefetch(client);
            Await.until("ready", WAIT, () -> get(http, admin.readinessPort(), "/healthz/ready").statusCode() == 200);

            JsonNode dump = new ObjectMapper().readTree(get(http, admin.adminPort(), "/config_dump").body());
            assertThat(dump.get("node").asText()).isEqualTo("node-a");
            assertThat(dump.get("xds").get("state").asText()).isEqualTo("CONNECTED");
            assertThat(dump.get("workloads").get(0).get("identity").asText()).isEqualTo(client.uri());
            assertThat(dump.get("workloads").get(0).get("addresses").get(0).asText()).isEqualTo("10.42.1.10");
            assertThat(dump.get("certificates").get(0).get("serial").asText())
                    .isEqualTo(certs.current(client).leaf().getSerialNumber().toString(16));
            assertThat(get(http, admin.adminPort(), "/certs").body()).contains(client.uri());
            JsonNode ejected = dump.get("ejected_endpoints").get(0);
            assertThat(ejected.get("address").asText()).isEqualTo("10.42.2.7:8080");
            assertThat(ejected.get("kind").asText()).isEqualTo("service_endpoint");
            assertThat(ejected.get("remaining_ms").asLong()).isEqualTo(9_000);

            String metrics = get(http, admin.metricsPort(), "/stats/prometheus").body();
            assertThat(metrics).contains("trellis_xds_client_connected 1.0", "trellis_certificates 1.0");
            Path exposition = Files.writeString(dir.resolve("metrics.txt"), metrics);
            if (promtoolInstalled()) {
                Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(exposition.toFile())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(out).isZero();
            }

            HttpResponse<String> quit = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + admin.adminPort() + "/quitquitquit")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(quit.statusCode()).isEqualTo(200);
            Await.until("shutdown hook ran", WAIT, () -> quits.get() == 1);
        } finally {
            certs.close();
            XdsClientThread.stop(xds, channel, executor, Duration.ofSeconds(2));
            controller.close();
        }
        assumeTrue(promtoolInstalled(), "promtool is not installed (Debian package 'prometheus'): exposition unchecked");
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean promtoolInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "promtool"))) {
                return true;
            }
        }
        return false;
    }
}
