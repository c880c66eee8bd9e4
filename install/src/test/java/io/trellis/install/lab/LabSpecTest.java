package io.trellis.install.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabSpecTest {

    @Test
    void theStandardLabNamesPodsByNodeLetter() {
        LabSpec spec = LabSpec.standard("trlab", 2, 2);

        assertThat(spec.nodes()).extracting(LabSpec.NodeSpec::name).containsExactly("node1", "node2");
        assertThat(spec.podsOn("node1")).extracting(LabSpec.PodSpec::name).containsExactly("a1", "a2");
        assertThat(spec.podsOn("node2")).extracting(LabSpec.PodSpec::name).containsExactly("b1", "b2");
        assertThat(spec.pods().getFirst().serviceAccount()).isEqualTo("a");
        assertThat(spec.services()).extracting(LabSpec.ServiceSpec::name).containsExactly("a", "b");
    }

    @Test
    void theAddressPlanStaysInsideTheLabRanges() {
        assertThat(AddressPlan.nodeIp(3)).isEqualTo("10.240.0.3");
        assertThat(AddressPlan.podCidr(2)).isEqualTo("10.241.2.0/24");
        assertThat(AddressPlan.gatewayIp(2)).isEqualTo("10.241.2.1");
        assertThat(AddressPlan.podIp(2, 1)).isEqualTo("10.241.2.2");
        assertThat(AddressPlan.podIp(250, 250)).isEqualTo("10.241.250.251");
        assertThat(AddressPlan.serviceIp(1)).isEqualTo("10.96.0.10");
        assertThat(AddressPlan.serviceIp(300)).isEqualTo("10.96.1.53");
    }

    @Test
    void badSpecsAreRejectedWithWhatToFix() {
        var node = new LabSpec.NodeSpec("node1");
        var pod = new LabSpec.PodSpec("a1", "default", "a", Map.of(), "node1");
        assertThatThrownBy(() -> new LabSpec("x", List.of(node), List.of(), List.of()))
                .hasMessageContaining("lab prefix 'x'");
        assertThatThrownBy(() -> new LabSpec("trlab", List.of(), List.of(), List.of()))
                .hasMessageContaining("1..250 nodes");
        assertThatThrownBy(() -> new LabSpec("trlab", List.of(node), List.of(pod, pod), List.of()))
                .hasMessageContaining("'a1' is used twice");
        assertThatThrownBy(() -> new LabSpec("trlab", List.of(new LabSpec.NodeSpec("underlay")), List.of(), List.of()))
                .hasMessageContaining("'underlay' is reserved");
        assertThatThrownBy(() -> new LabSpec("trlab", List.of(node),
                List.of(new LabSpec.PodSpec("a1", "default", "a", Map.of(), "node9")), List.of()))
                .hasMessageContaining("not in the lab (nodes: [node1])");
        assertThatThrownBy(() -> new LabSpec.PodSpec("A_1", "default", "a", Map.of(), "node1"))
                .hasMessageContaining("pod name 'A_1' must be a DNS label");
        assertThatThrownBy(() -> LabSpec.standard("trlab", 0, 2)).hasMessageContaining("1..26 nodes");
    }

    @Test
    void namesShareThePrefixSoTeardownFindsThem() {
        assertThat(LabNames.netns("trlt-abc", "a1")).isEqualTo("trlt-abc-a1");
        assertThat(LabNames.owned("trlt-abc", "trlt-abc-underlay")).isTrue();
        assertThat(LabNames.owned("trlt-abc", "trlt-abcd-underlay")).isFalse();
        assertThat(LabNames.owned("trlab", "trlabx-node1")).isFalse();
    }
}
