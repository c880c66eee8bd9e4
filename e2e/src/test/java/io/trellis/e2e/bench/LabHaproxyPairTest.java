package io.trellis.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.peer.HaproxyTunnel;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabHaproxyPairTest {

    @Test
    void oneRouteToTheTargetAndOneToTheSinkEachThroughItsOwnTunnelPortOnNode2() {
        List<HaproxyTunnel.Route> routes = LabHaproxyPair.routes("10.0.0.2", "10.2.0.12");

        assertThat(routes).containsExactly(
                new HaproxyTunnel.Route(new InetSocketAddress("0.0.0.0", 18093), new InetSocketAddress("10.0.0.2",
                        18094), new InetSocketAddress("0.0.0.0", 18094), new InetSocketAddress("10.2.0.12",
                        BenchTopology.APP_PORT)),
                new HaproxyTunnel.Route(new InetSocketAddress("0.0.0.0", 18095), new InetSocketAddress("10.0.0.2",
                        18096), new InetSocketAddress("0.0.0.0", 18096), new InetSocketAddress("10.2.0.12",
                        BenchTopology.SINK_PORT)));
    }
}
