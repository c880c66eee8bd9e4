package io.trellis.node.state;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.ip;
import static io.trellis.node.state.TestMesh.key;
import static io.trellis.node.state.TestMesh.service;
import static io.trellis.node.state.TestMesh.waypoint;
import static io.trellis.node.state.TestMesh.workload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshStateTest {

    private static final WaypointAddress WAYPOINT = waypoint("10.0.9.9", "demo", "reviews-waypoint");

    private final WorkloadInfo client = workload("demo", "client", "client", "10.0.1.1");
    private final WorkloadInfo reviews1 = workload("demo", "reviews-v1", "reviews", "10.0.1.2", true, null,
            Map.of(key("demo", "reviews"), List.of(new PortMapping(9080, 8080))), List.of());
    private final WorkloadInfo reviews2 = workload("demo", "reviews-v2", "reviews", "10.0.2.2", true, null,
            Map.of(key("demo", "reviews"), List.of()), List.of());
    private final WorkloadInfo legacy = workload("legacy", "db", "db", "10.0.3.3", false, null, Map.of(), List.of());
    private final WorkloadInfo bound = workload("demo", "ratings", "ratings", "10.0.1.7", true, WAYPOINT, Map.of(),
            List.of());

    private MeshState state(ServiceInfo... services) {
        return MeshState.of(List.of(client, reviews1, reviews2, legacy, bound), List.of(services), List.of());
    }

    @Test
    void workloadInTheMeshIsReachedByHboneOnItsOwnIp() {
        Destination d = state().destinationFor(addr("10.0.1.2", 8080));
        assertThat(d).isInstanceOfSatisfying(Destination.MeshWorkload.class, w -> {
            assertThat(w.workload()).isEqualTo(reviews1);
            assertThat(w.hbone()).isEqualTo(addr("10.0.1.2", 15008));
            assertThat(w.identity().uri()).isEqualTo("spiffe://cluster.local/ns/demo/sa/reviews");
            assertThat(w.original()).isEqualTo(addr("10.0.1.2", 8080));
        });
    }

    @Test
    void serviceVipResolvesToHealthyEndpointsWithTheirTargetPorts() {
        Destination d = state(service("demo", "reviews", "10.96.0.10", 9080, 9090, null))
                .destinationFor(addr("10.96.0.10", 9080));
        assertThat(d).isInstanceOfSatisfying(Destination.Service.class, s -> {
            assertThat(s.endpoints().key()).isEqualTo(key("demo", "reviews") + ":9080");
            // reviews-v1 maps the port itself (8080); reviews-v2 uses the service's target port
            assertThat(s.endpoints().endpoints()).extracting(Endpoint::address)
                    .containsExactly(addr("10.0.1.2", 8080), addr("10.0.2.2", 9090));
        });
    }

    @Test
    void unhealthyWorkloadsAreNoEndpoints() {
        WorkloadInfo sick = new WorkloadInfo("demo/reviews-v3", "reviews-v3", "demo", "reviews", "node-b",
                List.of(ip("10.0.2.3")), TestMesh.id("demo", "reviews"), true, null, "reviews", "v3", false,
                Map.of(key("demo", "reviews"), List.of()), List.of());
        MeshState s = MeshState.of(List.of(reviews2, sick), List.of(service("demo", "reviews", "10.96.0.10", 9080,
                9080, null)), List.of());
        assertThat(s.serviceByVip(addr("10.96.0.10", 9080)).endpoints()).extracting(Endpoint::workload)
                .containsExactly(reviews2);
    }

    @Test
    void waypointBoundServiceAndWorkloadGoThroughTheWaypoint() {
        MeshState s = state(service("demo", "reviews", "10.96.0.10", 9080, 9080, WAYPOINT));
        assertThat(s.destinationFor(addr("10.96.0.10", 9080))).isInstanceOfSatisfying(Destination.ViaWaypoint.class,
                v -> {
                    assertThat(v.waypoint()).isEqualTo(WAYPOINT);
                    assertThat(v.service().name()).isEqualTo("reviews");
                    assertThat(v.original()).isEqualTo(addr("10.96.0.10", 9080));
                });
        assertThat(s.destinationFor(addr("10.0.1.7", 9080))).isInstanceOfSatisfying(Destination.ViaWaypoint.class,
                v -> assertThat(v.workload()).isEqualTo(bound));
        assertThat(s.waypointsOf(reviews1)).containsExactly(WAYPOINT);
        assertThat(s.waypointsOf(client)).isEmpty();
    }

    @Test
    void unknownOrNotEnrolledAddressesPassThrough() {
        MeshState s = state(service("demo", "reviews", "10.96.0.10", 9080, 9080, null));
        assertThat(s.destinationFor(addr("192.0.2.1", 443)))
                .isEqualTo(new Destination.Passthrough(addr("192.0.2.1", 443), null));
        assertThat(s.destinationFor(addr("10.0.3.3", 5432)))
                .isEqualTo(new Destination.Passthrough(addr("10.0.3.3", 5432), legacy));
        // a VIP on a port the service does not expose is no service traffic
        assertThat(s.destinationFor(addr("10.96.0.10", 1234))).isInstanceOf(Destination.Passthrough.class);
    }

    @Test
    void ipv6AddressesAreIndexedToo() {
        WorkloadInfo v6 = workload("demo", "six", "six", "fd00::6");
        MeshState s = MeshState.of(List.of(v6), List.of(), List.of());
        assertThat(s.workloadByIp(ip("fd00::6"))).isEqualTo(v6);
        assertThat(s.destinationFor(addr("fd00::6", 80))).isInstanceOf(Destination.MeshWorkload.class);
    }

    @Test
    void duplicateIpsKeepTheSmallerUid() {
        WorkloadInfo a = workload("demo", "a", "a", "10.0.0.1");
        WorkloadInfo b = workload("demo", "b", "b", "10.0.0.1");
        assertThat(MeshState.of(List.of(b, a), List.of(), List.of()).workloadByIp(ip("10.0.0.1"))).isEqualTo(a);
    }

    @Test
    void policiesApplyByScope() {
        AuthorizationPolicy global = policy("trellis-system", "mesh", AuthorizationPolicy.Scope.GLOBAL);
        AuthorizationPolicy ns = policy("demo", "ns", AuthorizationPolicy.Scope.NAMESPACE);
        AuthorizationPolicy other = policy("other", "ns", AuthorizationPolicy.Scope.NAMESPACE);
        AuthorizationPolicy selected = policy("demo", "sel", AuthorizationPolicy.Scope.WORKLOAD_SELECTOR);
        AuthorizationPolicy unselected = policy("demo", "unsel", AuthorizationPolicy.Scope.WORKLOAD_SELECTOR);
        WorkloadInfo w = workload("demo", "w", "w", "10.0.0.5", true, null, Map.of(), List.of("demo/sel",
                "demo/missing"));
        MeshState s = MeshState.of(List.of(w), List.of(), List.of(global, ns, other, selected, unselected));
        assertThat(s.policiesFor(w)).containsExactly(global, ns, selected);
        assertThat(s.policiesFor(client)).containsExactly(global, ns);
        assertThat(s.policiesFor(legacy)).containsExactly(global);
    }

    @Test
    void storePublishesWholeSnapshots() {
        MeshStore store = new MeshStore();
        Map<String, MeshState> seen = new HashMap<>();
        store.addListener(st -> seen.put("last", st));
        assertThat(store.current()).isSameAs(MeshState.EMPTY);
        MeshState next = state();
        store.publish(next);
        assertThat(store.current()).isSameAs(next);
        assertThat(seen.get("last")).isSameAs(next);
    }

    static AuthorizationPolicy policy(String ns, String name, AuthorizationPolicy.Scope scope) {
        return new AuthorizationPolicy(name, ns, scope, AuthorizationPolicy.Action.ALLOW, List.of());
    }
}
