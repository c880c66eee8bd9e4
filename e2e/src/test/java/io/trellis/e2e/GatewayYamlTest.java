package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.GatewayConfig;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Gateway the lab writes is one the controller's own decoder accepts, with every replica's address. */
class GatewayYamlTest {

    @Test
    void controllerAcceptsTheWaypointGatewayWithEveryReplicaAddress() throws Exception {
        String yaml = GatewayYaml.waypoint("a test", "reviews-waypoint", "default", List.of("10.241.2.9", "10.241.1.9"));

        ConfigSnapshot snapshot = ConfigSnapshot.parseYaml("gateway.yaml", yaml);

        assertThat(snapshot.problems()).isEmpty();
        assertThat(snapshot.gateways()).singleElement().satisfies(g -> {
            assertThat(g.meta().name()).isEqualTo("reviews-waypoint");
            assertThat(g.meta().namespace()).isEqualTo("default");
            assertThat(g.gatewayClassName()).isEqualTo("trellis-waypoint");
            assertThat(g.addresses()).containsExactly(InetAddress.getByName("10.241.2.9"),
                    InetAddress.getByName("10.241.1.9"));
        });
    }

    @Test
    void singleAddressFormIsTheSameGatewayWithOneAddress() {
        GatewayConfig g = ConfigSnapshot.parseYaml("gateway.yaml", GatewayYaml.waypoint("a test", "w", "ns", "10.0.0.1"))
                .gateways().getFirst();

        assertThat(g.addresses()).hasSize(1);
        assertThat(g.listeners()).hasSize(1);
    }
}
