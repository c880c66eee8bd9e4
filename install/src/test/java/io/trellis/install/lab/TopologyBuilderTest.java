package io.trellis.install.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.CommandRunner;
import io.trellis.install.agent.Netns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands the lab runs, recorded by a fake: the host namespace only ever gets 'ip netns add'. */
class TopologyBuilderTest {

    record Call(Netns netns, List<String> argv) {}

    @TempDir
    Path runRoot;

    private final List<Call> calls = new ArrayList<>();
    private final CommandRunner recorder = (netns, argv, stdin) -> {
        calls.add(new Call(netns, argv));
        return new CommandResult(argv, 0, "", "");
    };

    private Lab build(LabSpec spec) {
        Lab lab = new Lab(new LabManager(recorder, runRoot), new LabStateStore(runRoot, spec.prefix()), spec);
        new TopologyBuilder(recorder).build(lab);
        return lab;
    }

    @Test
    void theHostNamespaceOnlyGainsNamespacesWithThePrefix() {
        build(LabSpec.standard("trlt-abc", 3, 2));

        List<Call> onHost = calls.stream().filter(c -> c.netns() == Netns.host()).toList();
        assertThat(onHost).hasSize(1 + 3 + 6).allSatisfy(c -> {
            assertThat(c.argv().subList(0, 3)).containsExactly("ip", "netns", "add");
            assertThat(c.argv().get(3)).startsWith("trlt-abc-");
        });
        assertThat(calls).filteredOn(c -> c.netns() != Netns.host())
                .allSatisfy(c -> assertThat(((Netns.Named) c.netns()).name()).startsWith("trlt-abc-"));
    }

    @Test
    void everyVethIsCreatedBetweenTwoLabNamespaces() {
        build(LabSpec.standard("trlt-abc", 2, 2));

        List<Call> veths = calls.stream().filter(c -> c.argv().contains("veth")).toList();
        assertThat(veths).hasSize(2 + 4).allSatisfy(c -> {
            int peerNetns = c.argv().lastIndexOf("netns");
            assertThat(peerNetns).isPositive();
            assertThat(c.argv().get(peerNetns + 1)).startsWith("trlt-abc-");
        });
    }

    @Test
    void podsGetTheirAddressAndADefaultRouteViaTheirNode() {
        Lab lab = build(LabSpec.standard("trlt-abc", 2, 2));
        LabPod b2 = lab.pod("b2");

        assertThat(calls).contains(
                new Call(b2.netns(), List.of("ip", "addr", "add", "10.241.2.3/32", "dev", "eth0")),
                new Call(b2.netns(), List.of("ip", "route", "add", "default", "via", "10.241.2.1", "dev", "eth0")),
                new Call(lab.node("node2").netns(), List.of("ip", "route", "add", "10.241.2.3/32", "dev", "p2",
                        "scope", "link")),
                new Call(lab.node("node1").netns(), List.of("ip", "route", "add", "10.241.2.0/24", "via",
                        "10.240.0.2", "dev", "eth0")),
                new Call(lab.node("node1").netns(), List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                        "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.default.rp_filter=2")));
    }
}
