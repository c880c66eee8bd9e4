package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The inbound limits' validation and derived defaults. */
class InboundLimitsTest {

    @Test
    void eachClientMayHoldAQuarterOfThePodBudgetByDefault() {
        InboundLimits limits = InboundLimits.defaults();
        assertThat(limits.maxPlaintextPerClient()).isEqualTo(limits.maxPlaintextConnections() / 4);
        assertThat(limits.maxHbonePerClient()).isEqualTo(limits.maxHboneConnections() / 4);
        assertThat(new InboundLimits(2, 3, Duration.ofSeconds(1), Duration.ofSeconds(1)).maxPlaintextPerClient())
                .as("at least one").isEqualTo(1);
    }

    @Test
    void nonPositiveValuesAreRefusedWithTheirNames() {
        assertThatThrownBy(() -> new InboundLimits(0, 10, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plaintext=0");
        assertThatThrownBy(() -> new InboundLimits(10, 10, Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deadlines must be positive");
    }
}
