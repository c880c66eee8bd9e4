package io.trellis.node.xds;

import static io.trellis.node.xds.ControllerXds.denyNamespace;
import static io.trellis.node.xds.ControllerXds.service;
import static io.trellis.node.xds.ControllerXds.serviceWithWaypoint;
import static io.trellis.node.xds.ControllerXds.workload;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.TypeStatus;
import io.trellis.api.workload.v1.Workload;
import io.trellis.controller.xds.TypeUrls;
import io.trellis.node.state.Destination;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.WorkloadInfo;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against the controller's real workload xDS server over loopback gRPC. */
class WorkloadXdsClientTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SVC = "demo/reviews.demo.svc.cluster.local";

    private ControllerXds controller;
    private ManagedChannel channel;
    private ScheduledExecutorService executor;
    private final MeshStore store = new MeshStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private WorkloadXdsClient client;

    @BeforeEach
    void setUp() throws Exception {
        controller = new ControllerXds();
        controller.put(TypeUrls.WORKLOAD, "demo/client", workload("demo", "client", "client", "10.0.1.1"));
        controller.put(TypeUrls.WORKLOAD, "demo/reviews-v1", workload("demo", "reviews-v1", "reviews", "10.0.1.2",
                SVC));
        controller.put(TypeUrls.SERVICE, SVC, service("demo", "reviews", "10.96.0.10"));
        controller.put(TypeUrls.AUTHORIZATION, "demo/deny-legacy", denyNamespace("demo", "deny-legacy", "legacy"));
        controller.publish();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", controller.port).usePlaintext().build();
        executor = XdsClientThread.start("xds-test");
        client = new WorkloadXdsClient(channel, new XdsClientConfig("node-a", Duration.ofMillis(20),
                Duration.ofMillis(200), 0.2), store, executor, Clock.systemUTC(), new Random(1), registry);
    }

    @AfterEach
    void tearDown() throws Exception {
        XdsClientThread.stop(client, channel, executor, Duration.ofSeconds(2));
        controller.close();
    }

    private void awaitSynced() {
        Await.until("client synced and connected", WAIT, () -> client.status().synced()
                && client.status().state() == XdsStatus.State.CONNECTED);
    }

    private static InetAddress ip(String s) {
        return io.trellis.node.state.TestMesh.ip(s);
    }

    @Test
    void initialSyncThenAChangeThenARemoval() throws Exception {
        client.start();
        awaitSynced();
        Await.until("workloads in state", WAIT, () -> store.current().workloads().size() == 2);
        assertThat(store.current().destinationFor(new InetSocketAddress(ip("10.96.0.10"), 80)))
                .isInstanceOfSatisfying(Destination.Service.class, s -> assertThat(s.endpoints().endpoints())
                        .extracting(e -> e.address()).containsExactly(new InetSocketAddress(ip("10.0.1.2"), 8080)));
        assertThat(store.current().policyByKey("demo/deny-legacy")).isNotNull();
        Await.until("controller saw the ACK", WAIT, () -> controller.server().ackedVersion("node-a",
                TypeUrls.WORKLOAD, "demo/client") != null);

        controller.put(TypeUrls.WORKLOAD, "demo/client", workload("demo", "client", "client", "10.0.1.9"));
        controller.publish();
        Await.until("moved workload", WAIT, () -> store.current().workloadByIp(ip("10.0.1.9")) != null);
        assertThat(store.current().workloadByIp(ip("10.0.1.1"))).isNull();

        controller.remove(TypeUrls.WORKLOAD, "demo/reviews-v1");
        controller.publish();
        Await.until("removed workload", WAIT, () -> store.current().workloadByUid("demo/reviews-v1") == null);
        assertThat(store.current().serviceByVip(new InetSocketAddress(ip("10.96.0.10"), 80)).endpoints()).isEmpty();
        Await.until("ACKs of every version", WAIT, () -> pending() == 0);
        assertThat(client.status().versions().get("Workload")).containsOnlyKeys("demo/client");
    }

    @Test
    void controllerRestartResendsOnlyWhatChangedWhileTheLastGoodStateKeepsServing() throws Exception {
        client.start();
        awaitSynced();
        Await.until("initial state", WAIT, () -> store.current().workloads().size() == 2);
        controller.stop();
        Await.until("client noticed", WAIT, () -> client.status().state() != XdsStatus.State.CONNECTED);
        // the last good state keeps serving
        assertThat(store.current().workloads()).containsOnlyKeys("demo/client", "demo/reviews-v1");
        assertThat(registry.get("trellis.xds.client.disconnects").counter().count()).isGreaterThanOrEqualTo(1);

        // the restarted controller knows one changed workload, one new one and lost one
        controller.put(TypeUrls.WORKLOAD, "demo/client", workload("demo", "client", "client", "10.0.1.9"));
        controller.put(TypeUrls.WORKLOAD, "demo/ratings", workload("demo", "ratings", "ratings", "10.0.1.3"));
        controller.remove(TypeUrls.WORKLOAD, "demo/reviews-v1");
        controller.sent.clear();
        controller.start();

        Await.until("resynced after restart", WAIT, () -> store.current().workloadByUid("demo/ratings") != null
                && store.current().workloadByUid("demo/reviews-v1") == null
                && client.status().state() == XdsStatus.State.CONNECTED);
        List<DeltaDiscoveryResponse> afterRestart = List.copyOf(controller.sent);
        List<String> sentNames = afterRestart.stream().flatMap(r -> r.getResourcesList().stream())
                .map(Resource::getName).toList();
        List<String> removedNames = afterRestart.stream().flatMap(r -> r.getRemovedResourcesList().stream())
                .toList();
        assertThat(sentNames).containsExactlyInAnyOrder("demo/client", "demo/ratings");
        assertThat(removedNames).containsExactly("demo/reviews-v1");
        assertThat(store.current().workloadByIp(ip("10.0.1.9")).uid()).isEqualTo("demo/client");
        assertThat(store.current().serviceByKey(SVC)).isNotNull();
    }

    @Test
    void invalidResourceIsNackedAndThePreviousVersionStays() throws Exception {
        client.start();
        awaitSynced();
        Await.until("initial state", WAIT, () -> store.current().workloads().size() == 2);
        WorkloadInfo before = store.current().workloadByUid("demo/client");

        Workload broken = workload("demo", "client", "client", "10.0.1.1").toBuilder()
                .addAddresses(ByteString.copyFrom(new byte[] {10, 0, 1})).build();
        controller.put(TypeUrls.WORKLOAD, "demo/client", broken);
        controller.put(TypeUrls.WORKLOAD, "demo/ratings", workload("demo", "ratings", "ratings", "10.0.1.3"));
        controller.put(TypeUrls.SERVICE, SVC, serviceWithWaypoint("demo", "reviews", "10.96.0.10", "10.0.9.9"));
        controller.publish();

        Await.until("NACK recorded by the controller", WAIT, () -> workloadStatus().hasLastNack());
        String message = workloadStatus().getLastNack().getMessage();
        assertThat(message).contains("Workload demo/client", "addresses[1]", "3 bytes");
        assertThat(client.status().lastNack()).isEqualTo(message);
        assertThat(registry.get("trellis.xds.client.nacks").tag("type", "Workload").counter().count()).isEqualTo(1);
        // the bad resource keeps its previous version; the good one in the same response and other types apply
        Await.until("good resources applied", WAIT, () -> store.current().workloadByUid("demo/ratings") != null
                && store.current().serviceByKey(SVC).waypoint() != null);
        assertThat(store.current().workloadByUid("demo/client")).isEqualTo(before);

        // a fixed version is accepted and clears the NACK
        controller.put(TypeUrls.WORKLOAD, "demo/client", workload("demo", "client", "client", "10.0.1.8"));
        controller.publish();
        Await.until("fixed resource applied", WAIT, () -> store.current().workloadByIp(ip("10.0.1.8")) != null);
        Await.until("NACK cleared", WAIT, () -> !workloadStatus().hasLastNack() && client.status().lastNack() == null);
    }

    private TypeStatus workloadStatus() {
        for (ProxyStatus p : controller.server().statuses()) {
            for (TypeStatus t : p.getTypesList()) {
                if (t.getTypeUrl().equals(TypeUrls.WORKLOAD)) {
                    return t;
                }
            }
        }
        return TypeStatus.getDefaultInstance();
    }

    private int pending() {
        int n = 0;
        for (ProxyStatus p : controller.server().statuses()) {
            for (TypeStatus t : p.getTypesList()) {
                n += t.getPendingResources();
            }
        }
        return n;
    }
}
