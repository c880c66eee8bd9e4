package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AuthorityTest {

    @Test
    void parsesLiteralAddresses() {
        assertThat(Authority.parse("10.0.2.7:8080")).isEqualTo(new InetSocketAddress("10.0.2.7", 8080));
        assertThat(Authority.parse("[fd00::1]:443")).isEqualTo(new InetSocketAddress("fd00::1", 443));
        assertThat(Authority.format(new InetSocketAddress("fd00::1", 443))).isEqualTo("[fd00::1]:443");
    }

    @Test
    void rejectsAnythingElseWithoutResolving() {
        for (String bad : new String[] {"example.com:80", "10.0.0.1", "10.0.0.1:", ":80", "10.0.0.1:0",
                "10.0.0.1:65536", "10.0.0.1:8o", "fd00::1:80", "[fd00::1]", "10.0.0.256:80", "10.0.0.1:+80",
                "10.0.0.1:123456"}) {
            assertThat(Authority.parse(bad)).as(bad).isNull();
        }
    }
}
