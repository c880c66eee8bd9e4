package io.trellis.install.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * As root: the real locator finds a namespace made with {@code ip netns add tcni-<random>} by an address on an
 * interface inside it (a veth pair kept wholly inside the namespace; nothing touches the host's network), and
 * finds nothing for an address no namespace has. Skipped without root or iproute2.
 */
class ProcNetnsLocatorRootTest {

    private final ProcessCommandRunner runner = new ProcessCommandRunner();
    private String name;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (ip netns)");
        assumeTrue(runner.run(Netns.host(), List.of("ip", "netns", "list")).ok(), "needs iproute2");
        name = "tcni-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        runner.check(Netns.host(), List.of("ip", "netns", "add", name));
        Netns ns = Netns.named(name);
        runner.check(ns, List.of("ip", "link", "add", "tp0", "type", "veth", "peer", "name", "tp1"));
        runner.check(ns, List.of("ip", "addr", "add", "10.250.77.2/32", "dev", "tp0"));
        runner.check(ns, List.of("ip", "link", "set", "tp0", "up"));
        runner.check(ns, List.of("ip", "link", "set", "tp1", "up"));
    }

    @AfterEach
    void tearDown() {
        if (name != null) {
            runner.run(Netns.host(), List.of("ip", "netns", "del", name));
        }
    }

    @Test
    void findsTheNamespaceHoldingThePodIp() throws Exception {
        ProcNetnsLocator locator = new ProcNetnsLocator(runner);
        Path found = locator.find(List.of(InetAddress.ofLiteral("10.250.77.2"))).orElseThrow();
        assertThat(found.getFileName().toString()).isEqualTo(name);
        // the found path is usable as a netns by the capture code
        assertThat(runner.run(Netns.path(found.toString()), List.of("ip", "-o", "addr")).stdout())
                .contains("10.250.77.2");
        assertThat(locator.find(List.of(InetAddress.ofLiteral("10.250.77.3")))).isEmpty();
    }
}
