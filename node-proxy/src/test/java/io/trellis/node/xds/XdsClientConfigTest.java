package io.trellis.node.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reconnect backoff of the workload xDS client. */
class XdsClientConfigTest {

    @Test
    void backoffDoublesToItsCap() {
        XdsClientConfig c = new XdsClientConfig("n", Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
        assertThat(c.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.backoff(5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(c.backoff(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.backoff(60)).isEqualTo(Duration.ofSeconds(30));
    }
}
