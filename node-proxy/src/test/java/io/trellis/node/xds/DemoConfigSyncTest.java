package io.trellis.node.xds;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.id;
import static io.trellis.node.state.TestMesh.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.controller.Controller;
import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.authz.ConnectionAttributes;
import io.trellis.node.authz.L4Authorizer;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.Destination;
import io.trellis.node.state.Endpoint;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.node.testing.LocalController;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole controller, fed the demo config from YAML, and this client: everything the real translator produces
 * must validate (no NACK) and answer the traffic paths' questions as the demo intends.
 */
class DemoConfigSyncTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void demoConfigSyncsWithoutNacksAndAnswersLookups() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        try (Stream<Path> files = Files.list(Path.of("..", "controller", "examples", "demo"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve(f.getFileName()));
            }
        }
        Controller controller = new Controller(LocalController.settings(config, 0, null));
        ScheduledExecutorService executor = XdsClientThread.start("xds-demo-test");
        MeshStore store = new MeshStore();
        ManagedChannel channel = null;
        WorkloadXdsClient client = null;
        try {
            controller.start();
            Await.until("controller ready", WAIT, controller::ready);
            channel = NettyChannelBuilder.forAddress("127.0.0.1", controller.xdsPort()).usePlaintext().build();
            client = new WorkloadXdsClient(channel, XdsClientConfig.defaults("node-a"), store, executor,
                    Clock.systemUTC(), new Random(), new SimpleMeterRegistry());
            client.start();
            WorkloadXdsClient c = client;
            Await.until("synced", WAIT, () -> c.status().synced() && store.current().workloads().size() == 4);
            assertThat(client.status().lastNack()).isNull();
            MeshState s = store.current();

            Destination viaWaypoint = s.destinationFor(addr("10.96.0.20", 9080));
            assertThat(viaWaypoint).isInstanceOfSatisfying(Destination.ViaWaypoint.class, v -> {
                assertThat(v.waypoint().hbone()).isEqualTo(addr("10.42.2.20", 15008));
                assertThat(v.waypoint().identity()).isEqualTo(id("demo", "reviews-waypoint"));
            });
            assertThat(s.destinationFor(addr("10.96.0.21", 9080))).isInstanceOfSatisfying(Destination.Service.class,
                    svc -> assertThat(svc.endpoints().endpoints()).extracting(Endpoint::address)
                            .containsExactly(addr("10.42.1.11", 9080)));
            assertThat(s.destinationFor(addr("10.42.1.10", 8080))).isInstanceOf(Destination.MeshWorkload.class);
            assertThat(s.destinationFor(addr("192.0.2.7", 443))).isInstanceOf(Destination.Passthrough.class);

            WorkloadInfo reviews = s.workloadByIp(ip("10.42.1.11"));
            L4Authorizer authz = new L4Authorizer(MtlsMode.PERMISSIVE);
            assertThat(authz.authorize(s, reviews, new ConnectionAttributes(id("demo", "client"), ip("10.42.1.10"),
                    9080))).isEqualTo(new AuthzDecision(true, AuthzDecision.Reason.ALLOWED_BY_POLICY,
                    "demo/reviews-allow-client"));
            assertThat(authz.authorize(s, reviews, new ConnectionAttributes(id("demo", "reviews-waypoint"),
                    ip("10.42.2.20"), 9080)).allowed()).isTrue();
            assertThat(authz.authorize(s, reviews, new ConnectionAttributes(id("demo", "intruder"),
                    ip("10.42.1.99"), 9080)).reason()).isEqualTo(AuthzDecision.Reason.WAYPOINT_BYPASS);

            Files.writeString(config.resolve("50-new.yaml"), """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: reviews-v3, namespace: demo, labels: {app: reviews, version: v3}}
                    spec: {nodeName: node-b, serviceAccountName: reviews}
                    status: {phase: Running, podIP: 10.42.2.12}
                    """);
            Await.until("new pod arrives", WAIT, () -> store.current().workloadByIp(ip("10.42.2.12")) != null);
            for (ProxyStatus p : ProxyStatusServiceGrpc.newBlockingStub(channel)
                    .listProxies(ListProxiesRequest.getDefaultInstance()).getProxiesList()) {
                p.getTypesList().forEach(t -> assertThat(t.hasLastNack()).as(t.getTypeUrl()).isFalse());
            }
        } finally {
            if (client != null) {
                XdsClientThread.stop(client, channel, executor, Duration.ofSeconds(2));
            }
            executor.shutdownNow();
            controller.close();
        }
    }
}
