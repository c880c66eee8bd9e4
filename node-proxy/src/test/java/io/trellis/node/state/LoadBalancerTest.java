package io.trellis.node.state;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.key;
import static io.trellis.node.state.TestMesh.service;
import static io.trellis.node.state.TestMesh.workload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static ServiceEndpoints endpoints(int n) {
        List<WorkloadInfo> ws = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ws.add(workload("demo", "r" + i, "reviews", "10.0.0." + (i + 1), true, null,
                    Map.of(key("demo", "reviews"), List.of()), List.of()));
        }
        return MeshState.of(ws, List.of(service("demo", "reviews", "10.96.0.1", 80, 8080, null)), List.of())
                .serviceByVip(addr("10.96.0.1", 80));
    }

    @Test
    void roundRobinVisitsEveryEndpointInTurn() {
        LoadBalancer lb = LoadBalancer.roundRobin();
        ServiceEndpoints eps = endpoints(3);
        List<Endpoint> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(lb.pick(eps));
        }
        assertThat(picks.subList(0, 3)).containsExactlyInAnyOrderElementsOf(eps.endpoints());
        assertThat(picks.subList(3, 6)).isEqualTo(picks.subList(0, 3));
    }

    @Test
    void noEndpointsMeansNoPick() {
        assertThat(LoadBalancer.roundRobin().pick(endpoints(0))).isNull();
        assertThat(LoadBalancer.leastConnections().pick(endpoints(0))).isNull();
    }

    @Test
    void leastConnectionsPrefersTheIdlestEndpoint() {
        LeastConnections lb = new LeastConnections();
        ServiceEndpoints eps = endpoints(3);
        Endpoint a = lb.pick(eps);
        Endpoint b = lb.pick(eps);
        Endpoint c = lb.pick(eps);
        assertThat(List.of(a, b, c)).containsExactlyInAnyOrderElementsOf(eps.endpoints());
        lb.release(b);
        assertThat(lb.pick(eps)).isEqualTo(b);
        assertThat(lb.openConnections(b.address())).isEqualTo(1);
        lb.release(a);
        assertThat(lb.openConnections(a.address())).isZero();
        assertThat(lb.pick(eps)).isEqualTo(a);
    }
}
