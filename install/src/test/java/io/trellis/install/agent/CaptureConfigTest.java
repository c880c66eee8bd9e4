package io.trellis.install.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureConfigTest {

    @Test
    void probeSourcesAreWrittenTheWayIptablesPrintsThem() {
        CaptureConfig config = CaptureConfig.defaults(List.of("10.241.1.1", "10.9.8.7/24", "0.0.0.0/0",
                "FD00:0:0::1/64", "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1", "2001:db8:1:0:1:0:1:1", "::1", "::/0"));

        // The forms iptables and ip6tables print (checked against both), so listings compare equal.
        assertThat(config.probeSources()).containsExactly("10.241.1.1/32", "10.9.8.0/24", "0.0.0.0/0",
                "fd00::/64", "2001:db8::1:0:0:1/128", "2001:0:0:1::1/128", "2001:db8:1:0:1:0:1:1/128", "::1/128", "::/0");
        assertThat(config.probeSources(IpFamily.IPV4)).hasSize(3);
        assertThat(config.probeSources(IpFamily.IPV6)).hasSize(6);
    }

    @Test
    void badProbeSourcesAreRejectedWithTheExpectedForm() {
        for (String bad : List.of("10.1.1", "10.1.1.256", "10.1.1.1/33", "fe80::1%eth0", "fd00::/129", "10.1.1.1/x",
                "", "node1", "[::1]", "::ffff:10.0.0.1")) {
            assertThatThrownBy(() -> CaptureConfig.defaults(List.of(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected e.g. 10.0.0.1");
        }
    }

    @Test
    void theProxyMarkMustFitTheMask() {
        List<IpFamily> both = List.of(IpFamily.IPV4, IpFamily.IPV6);
        assertThatThrownBy(() -> new CaptureConfig(0x1539, 0xfff, 15001, 15006, 15008, List.of(), both))
                .hasMessageContaining("inside the mark mask 0xfff");
        assertThatThrownBy(() -> new CaptureConfig(0x539, 0xfff, 15001, 0, 15008, List.of(), both))
                .hasMessageContaining("outside 1..65535");
        assertThatThrownBy(() -> new CaptureConfig(0x539, 0xfff, 15001, 15006, 15008, List.of(), List.of()))
                .hasMessageContaining("at least one address family");
    }

    @Test
    void namespacesAreEnteredWithIpNetnsOrNsenter() {
        assertThat(ProcessCommandRunner.inNetns(Netns.named("trlt-a"), List.of("iptables", "-S")))
                .containsExactly("ip", "netns", "exec", "trlt-a", "iptables", "-S");
        assertThat(ProcessCommandRunner.inNetns(Netns.path("/proc/42/ns/net"), List.of("iptables", "-S")))
                .containsExactly("nsenter", "--net=/proc/42/ns/net", "--", "iptables", "-S");
        assertThat(ProcessCommandRunner.inNetns(Netns.host(), List.of("ip", "netns", "list")))
                .containsExactly("ip", "netns", "list");
        assertThatThrownBy(() -> Netns.named("../etc")).hasMessageContaining("invalid network namespace name");
        assertThatThrownBy(() -> Netns.path("proc/1/ns/net")).hasMessageContaining("must be absolute");
    }
}
