package io.trellis.waypoint.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.api.workload.v1.TypeStatus;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.model.MeshSettings;
import io.trellis.identity.SpiffeId;
import io.trellis.testkit.Await;
import io.trellis.waypoint.proxy.ServiceBinding;
import io.trellis.waypoint.proxy.WaypointConfig;
import io.trellis.waypoint.route.RouteAction;
import io.trellis.waypoint.route.WeightedBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The waypoint's ADS client against the real controller, in-process on loopback. */
class WaypointXdsClientTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ROUTE = "reviews.demo.svc.cluster.local:9080";
    private static final String V1 = "outbound|9080||reviews-v1.demo.svc.cluster.local";
    private static final String V2 = "outbound|9080||reviews-v2.demo.svc.cluster.local";

    @TempDir
    Path dir;
    private int port;
    private @Nullable Controller controller;
    private ManagedChannel channel;
    private ScheduledExecutorService executor;
    private WaypointXdsClient client;
    private final AtomicReference<@Nullable WaypointConfig> published = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        MeshConfigDir.write(dir, "10.42.1.11", "10.42.1.12", 8080);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        controller = startController();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("xds").factory());
        client = new WaypointXdsClient(channel, WaypointXdsClient.nodeId("demo", "reviews-waypoint"), published::set,
                executor, RandomGenerator.of("L64X128MixRandom"),
                new XdsBackoff(Duration.ofMillis(50), Duration.ofMillis(400)));
        client.start();
    }

    private Controller startController() throws IOException {
        Controller c = new Controller(new ControllerSettings(dir, false, MeshSettings.defaults(), "127.0.0.1", port,
                0, 0, null, null, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofMillis(200)));
        c.start();
        Await.until("controller ready", WAIT, c::ready);
        return c;
    }

    @AfterEach
    void stop() {
        client.close();
        channel.shutdownNow();
        executor.shutdownNow();
        if (controller != null) {
            controller.close();
        }
    }

    private static List<Integer> weights(WaypointConfig c) {
        var table = c.routeTables().get(ROUTE);
        if (table == null) {
            return List.of();
        }
        for (var route : table.virtualHosts().getFirst().routes()) {
            if (route.action() instanceof RouteAction.Forward f && f.backends().size() == 2) {
                return f.backends().stream().map(WeightedBackend::weight).toList();
            }
        }
        return List.of();
    }

    private WaypointConfig awaitConfig(String what, java.util.function.Predicate<WaypointConfig> p) {
        return Await.value(what, WAIT, published::get, c -> c != null && p.test(c));
    }

    @Test
    void initialConfigHasExactlyTheBoundServiceWithItsBackendsAndIdentities() {
        WaypointConfig c = awaitConfig("initial config", x -> weights(x).equals(List.of(90, 10)));

        assertThat(c.services()).extracting(ServiceBinding::hostname).containsExactly("reviews.demo.svc.cluster.local");
        assertThat(c.services().getFirst().vip()).isEqualTo(new InetSocketAddress("10.96.0.20", 9080));
        assertThat(c.clusters()).containsOnlyKeys("outbound|9080||reviews.demo.svc.cluster.local", V1, V2);
        assertThat(c.endpoints().get(V1)).extracting(e -> e.address()).containsExactly("10.42.1.11:8080");
        assertThat(c.identities().get(V2)).isEqualTo(SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews"));
        assertThat(client.hasConfig()).isTrue();
        assertThat(client.lastNack()).isNull();
    }

    @Test
    void aRouteChangeReachesTheWaypoint() throws Exception {
        awaitConfig("90/10", x -> weights(x).equals(List.of(90, 10)));

        MeshConfigDir.route(dir, 50, 50);

        awaitConfig("50/50", x -> weights(x).equals(List.of(50, 50)));
    }

    @Test
    void anUnenforceablePolicyIsNackedVisiblyAndThePreviousConfigStays() throws Exception {
        WaypointConfig before = awaitConfig("initial config", x -> weights(x).equals(List.of(90, 10)));
        MeshConfigDir.policy(dir, """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: office-only, namespace: demo}
                spec:
                  action: ALLOW
                  rules:
                    - from: [{source: {ipBlocks: ["192.0.2.0/24"]}}]
                      to: [{operation: {paths: ["/admin*"]}}]
                """);

        String nack = Await.value("NACK", WAIT, client::lastNack, m -> m != null);
        assertThat(nack).contains("authorization_policies[0].rules[0].from[0].ipBlocks");
        // the rejected listener never reached the data path: still the old services and no policy
        assertThat(published.get().policies()).isEmpty();
        assertThat(published.get().services()).isEqualTo(before.services());
        TypeStatus listenerStatus = Await.value("NACK in the controller's proxy status", WAIT,
                () -> listenerStatus().orElse(null), t -> t != null && t.hasLastNack());
        assertThat(listenerStatus.getLastNack().getMessage()).contains("ipBlocks: not supported");

        // Fixing the policy (L7 only) is accepted and applied.
        MeshConfigDir.policy(dir, """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: office-only, namespace: demo}
                spec:
                  action: DENY
                  rules:
                    - to: [{operation: {paths: ["/admin*"]}}]
                """);
        WaypointConfig after = awaitConfig("policy applied", x -> !x.policies().isEmpty());
        assertThat(after.policies().getFirst().qualifiedName()).isEqualTo("demo/office-only");
        assertThat(client.lastNack()).isNull();
    }

    private Optional<TypeStatus> listenerStatus() {
        var proxies = ProxyStatusServiceGrpc.newBlockingStub(channel).listProxies(ListProxiesRequest.getDefaultInstance());
        return proxies.getProxiesList().stream()
                .filter(p -> p.getProxyId().equals("waypoint~demo~reviews-waypoint"))
                .map(ProxyStatus::getTypesList).flatMap(List::stream)
                .filter(t -> t.getTypeUrl().endsWith("Listener")).findFirst();
    }

    @Test
    void controllerRestartReconnectsAndKeepsTheLastGoodConfigMeanwhile() throws Exception {
        WaypointConfig good = awaitConfig("initial config", x -> weights(x).equals(List.of(90, 10)));
        Await.until("connected", WAIT, client::connected);

        controller.close();
        controller = null;
        Await.until("disconnected", WAIT, () -> !client.connected());
        assertThat(published.get()).isSameAs(good);

        MeshConfigDir.route(dir, 50, 50);
        controller = startController();

        Await.until("reconnected", WAIT, client::connected);
        awaitConfig("config from the new controller", x -> weights(x).equals(List.of(50, 50)));
        Files.deleteIfExists(dir.resolve("unused"));
    }
}
