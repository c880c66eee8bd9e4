package io.trellis.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.testkit.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code trellisctl proxy-status} for a waypoint: an Envoy state-of-the-world ADS stream to a real controller, as
 * the waypoint's xDS client holds it, shows per type the version it ACKed and how many resources that was, and the
 * resources of a response it has not answered yet as pending.
 */
class ProxyStatusWaypointTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private static final String NODE = "waypoint~demo~reviews-waypoint";

    @TempDir
    Path dir;
    private Controller controller;
    private ManagedChannel channel;
    private String address;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {trellis.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-1, namespace: demo, labels: {app: reviews}}
                spec: {serviceAccountName: reviews, nodeName: node-a}
                status: {phase: Running, podIP: 10.42.1.9}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: reviews, namespace: demo, labels: {trellis.io/use-waypoint: reviews-waypoint}}
                spec:
                  selector: {app: reviews}
                  clusterIP: 10.96.0.20
                  ports: [{name: http, port: 9080, targetPort: 9080, appProtocol: http}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: reviews-waypoint, namespace: demo}
                spec:
                  gatewayClassName: trellis-waypoint
                  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                  addresses: [{type: IPAddress, value: 10.42.1.50}]
                """);
        ControllerSettings d = ControllerSettings.defaults(dir);
        controller = new Controller(new ControllerSettings(dir, false, d.mesh(), "127.0.0.1", 0, 0, 0, null, null,
                Duration.ofMillis(20), Duration.ofMillis(200), d.maxCertTtl(), Duration.ofMillis(200)));
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
        address = "127.0.0.1:" + controller.xdsPort();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", controller.xdsPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        controller.close();
    }

    private @Nullable JsonNode clusterRow() {
        StringWriter out = new StringWriter();
        CommandLine cli = TrellisCtl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        if (cli.execute("proxy-status", "--controller", address, "-o", "json") != 0) {
            return null;
        }
        JsonNode rows;
        try {
            rows = Output.JSON.readTree(out.toString());
        } catch (java.io.IOException e) {
            throw new AssertionError("proxy-status -o json is not JSON: " + out, e);
        }
        for (JsonNode row : rows) {
            if (row.get("proxy").asText().equals(NODE) && row.path("type").asText().equals("Cluster")) {
                return row;
            }
        }
        return null;
    }

    @Test
    void aWaypointsAckedVersionAndResourceCountAreShown() throws Exception {
        LinkedBlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse r) {
                        received.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        Node node = Node.newBuilder().setId(NODE).build();
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTER).build());
        DiscoveryResponse clusters = Await.value("clusters", WAIT, received::poll, r -> r != null);
        int count = clusters.getResourcesCount();
        assertThat(count).as("the waypoint's clusters").isPositive();

        JsonNode pending = Await.value("pending row", WAIT, this::clusterRow, r -> r != null);
        assertThat(pending.get("acked").asInt()).isZero();
        assertThat(pending.get("pending").asInt()).isEqualTo(count);
        assertThat(pending.get("version").asText()).isEmpty();

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTER)
                .setVersionInfo(clusters.getVersionInfo()).setResponseNonce(clusters.getNonce()).build());
        JsonNode acked = Await.value("acked row", WAIT, this::clusterRow, r -> r != null && r.get("acked").asInt() > 0);
        assertThat(acked.get("acked").asInt()).isEqualTo(count);
        assertThat(acked.get("pending").asInt()).isZero();
        assertThat(acked.get("version").asText()).isEqualTo(clusters.getVersionInfo()).isNotEmpty();
        assertThat(acked.get("last_acked_nonce").asText()).isEqualTo(clusters.getNonce());
        assertThat(acked.get("nacks").asInt()).isZero();
        requests.onCompleted();
    }
}
