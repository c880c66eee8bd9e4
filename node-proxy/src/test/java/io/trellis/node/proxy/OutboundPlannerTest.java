package io.trellis.node.proxy;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.node.state.LoadBalancer;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.PortMapping;
import io.trellis.node.state.TestMesh;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where each kind of destination goes, from the mesh state alone. */
class OutboundPlannerTest {

    private final EndpointHealth health =
            new EndpointHealth(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), System::nanoTime);
    private final OutboundPlanner planner = new OutboundPlanner(LoadBalancer.roundRobin(), health);
    private final WorkloadInfo client = TestMesh.workload("front", "web-1", "web", "10.1.0.5");

    @Test
    void workloadInTheMeshIsTunnelledToItsOwnHbonePort() {
        WorkloadInfo db = TestMesh.workload("back", "db-1", "db", "10.2.0.7");
        MeshState state = MeshState.of(List.of(client, db), List.of(), List.of());
        OutboundPlan plan = planner.plan(state, client.identity(), client, addr("10.1.0.5", 40000), addr("10.2.0.7", 5432));
        assertThat(plan).isInstanceOfSatisfying(OutboundPlan.Tunnel.class, t -> {
            assertThat(t.request().hboneAddress()).isEqualTo(addr("10.2.0.7", 15008));
            assertThat(t.request().target()).isEqualTo(addr("10.2.0.7", 5432));
            assertThat(t.request().destinationIdentity()).isEqualTo(id("back", "db"));
            assertThat(t.request().forwardedFor()).isEqualTo(addr("10.1.0.5", 40000));
            assertThat(t.request().baggage()).contains("k8s.namespace.name=front", "k8s.pod.name=web-1");
            assertThat(t.route()).isEqualTo("hbone");
        });
    }

    @Test
    void serviceVipBoundToAWaypointGoesToTheWaypointWithTheVipAsAuthority() {
        WaypointAddress waypoint = TestMesh.waypoint("10.3.0.9", "back", "back-waypoint");
        WorkloadInfo db = TestMesh.workload("back", "db-1", "db", "10.2.0.7", true, null,
                Map.of(TestMesh.key("back", "db"), List.of(new PortMapping(5432, 5432))), List.of());
        MeshState state = MeshState.of(List.of(client, db),
                List.of(TestMesh.service("back", "db", "10.96.0.20", 5432, 5432, waypoint)), List.of());
        OutboundPlan plan = planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("10.96.0.20", 5432));
        assertThat(plan).isInstanceOfSatisfying(OutboundPlan.Tunnel.class, t -> {
            assertThat(t.request().hboneAddress()).isEqualTo(addr("10.3.0.9", 15008));
            assertThat(t.request().target()).isEqualTo(addr("10.96.0.20", 5432));
            assertThat(t.request().destinationIdentity()).isEqualTo(id("back", "back-waypoint"));
            assertThat(t.route()).isEqualTo("waypoint");
        });
    }

    @Test
    void aWaypointWithTwoReplicasIsUsedInTurnWithTheOtherAsFallback() {
        WaypointAddress one = TestMesh.waypoint("10.3.0.9", "back", "back-waypoint");
        WaypointAddress two = new WaypointAddress(one.hbone(), one.identity(),
                List.of(addr("10.3.0.9", 15008), addr("10.3.0.10", 15008)));
        MeshState state = MeshState.of(List.of(client),
                List.of(TestMesh.service("back", "db", "10.96.0.20", 5432, 5432, two)), List.of());
        OutboundPlan.Tunnel first = (OutboundPlan.Tunnel) planner.plan(state, client.identity(), client,
                addr("10.1.0.5", 1), addr("10.96.0.20", 5432));
        OutboundPlan.Tunnel second = (OutboundPlan.Tunnel) planner.plan(state, client.identity(), client,
                addr("10.1.0.5", 2), addr("10.96.0.20", 5432));
        assertThat(List.of(first.request().hboneAddress(), second.request().hboneAddress()))
                .containsExactlyInAnyOrder(addr("10.3.0.9", 15008), addr("10.3.0.10", 15008));
        assertThat(first.fallbacks()).containsExactly(second.request().hboneAddress());
        assertThat(second.fallbacks()).containsExactly(first.request().hboneAddress());
        assertThat(first.request().destinationIdentity()).isEqualTo(id("back", "back-waypoint"));
    }

    @Test
    void anEjectedWaypointReplicaIsPlannedLastForEveryConnection() {
        WaypointAddress one = TestMesh.waypoint("10.3.0.9", "back", "back-waypoint");
        List<java.net.InetSocketAddress> replicas = List.of(addr("10.3.0.9", 15008), addr("10.3.0.10", 15008));
        WaypointAddress two = new WaypointAddress(one.hbone(), one.identity(), replicas);
        MeshState state = MeshState.of(List.of(client),
                List.of(TestMesh.service("back", "db", "10.96.0.20", 5432, 5432, two)), List.of());
        assertThat(health.connectFailed(EndpointHealth.Kind.WAYPOINT, replicas.getFirst(), replicas, "refused"))
                .isTrue();
        for (int i = 0; i < 4; i++) {
            OutboundPlan.Tunnel t = (OutboundPlan.Tunnel) planner.plan(state, client.identity(), client,
                    addr("10.1.0.5", i + 1), addr("10.96.0.20", 5432));
            assertThat(t.request().hboneAddress()).isEqualTo(replicas.get(1));
            assertThat(t.fallbacks()).containsExactly(replicas.getFirst());
        }
    }

    @Test
    void aRetryPicksAnotherEndpointAndNoneWhenAllWereTried() {
        String key = TestMesh.key("back", "api");
        WorkloadInfo one = TestMesh.workload("back", "api-1", "api", "10.2.0.1", false, null,
                Map.of(key, List.of(new PortMapping(80, 8080))), List.of());
        WorkloadInfo two = TestMesh.workload("back", "api-2", "api", "10.2.0.2", false, null,
                Map.of(key, List.of(new PortMapping(80, 8080))), List.of());
        MeshState state = MeshState.of(List.of(client, one, two),
                List.of(TestMesh.service("back", "api", "10.96.0.30", 80, 8080, null)), List.of());
        for (int i = 0; i < 3; i++) {
            OutboundPlan.Passthrough p = (OutboundPlan.Passthrough) planner.plan(state, client.identity(), client,
                    addr("10.1.0.5", 1), addr("10.96.0.30", 80), java.util.Set.of(addr("10.2.0.1", 8080)));
            assertThat(p.address()).isEqualTo(addr("10.2.0.2", 8080));
        }
        assertThat(planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("10.96.0.30", 80),
                java.util.Set.of(addr("10.2.0.1", 8080), addr("10.2.0.2", 8080)))).isNull();
        assertThat(OutboundPlanner.serviceGroup(state, addr("10.96.0.30", 80)))
                .containsExactly(addr("10.2.0.1", 8080), addr("10.2.0.2", 8080));
    }

    @Test
    void serviceEndpointsAreTakenInTurnAndAnEndpointOutsideTheMeshIsPassedThrough() {
        String key = TestMesh.key("back", "api");
        WorkloadInfo a = TestMesh.workload("back", "api-a", "api", "10.2.0.1", true, null,
                Map.of(key, List.of(new PortMapping(80, 8080))), List.of());
        WorkloadInfo b = TestMesh.workload("back", "api-b", "api", "10.2.0.2", false, null,
                Map.of(key, List.of(new PortMapping(80, 8080))), List.of());
        MeshState state = MeshState.of(List.of(client, a, b),
                List.of(TestMesh.service("back", "api", "10.96.0.30", 80, 8080, null)), List.of());
        OutboundPlan first = planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("10.96.0.30", 80));
        OutboundPlan second = planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("10.96.0.30", 80));
        assertThat(List.of(first, second)).anySatisfy(p -> assertThat(p).isInstanceOfSatisfying(OutboundPlan.Tunnel.class,
                t -> assertThat(t.request().target()).isEqualTo(addr("10.2.0.1", 8080))));
        assertThat(List.of(first, second)).anySatisfy(p -> assertThat(p).isInstanceOfSatisfying(
                OutboundPlan.Passthrough.class, t -> assertThat(t.address()).isEqualTo(addr("10.2.0.2", 8080))));
    }

    @Test
    void serviceWithoutHealthyEndpointsIsRefusedAndUnknownAddressesPassThrough() {
        MeshState state = MeshState.of(List.of(client),
                List.of(TestMesh.service("back", "empty", "10.96.0.40", 80, 8080, null)), List.of());
        assertThat(planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("10.96.0.40", 80)))
                .isInstanceOfSatisfying(OutboundPlan.Refuse.class, r -> assertThat(r.label()).isEqualTo("no_healthy_endpoint"));
        assertThat(planner.plan(state, client.identity(), client, addr("10.1.0.5", 1), addr("192.0.2.10", 443)))
                .isInstanceOfSatisfying(OutboundPlan.Passthrough.class,
                        p -> assertThat(p.address()).isEqualTo(addr("192.0.2.10", 443)));
    }
}
