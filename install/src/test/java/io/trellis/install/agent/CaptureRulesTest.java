package io.trellis.install.agent;

import static io.trellis.install.agent.IpFamily.IPV4;
import static io.trellis.install.agent.IpFamily.IPV6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptureRulesTest {

    private static final Netns POD = Netns.named("trlt-pod-a1");
    private final FakeIptables iptables = new FakeIptables();
    private final CaptureRules rules = new CaptureRules(iptables,
            CaptureConfig.defaults(List.of("10.241.1.1", "fd00:241:1::1")));

    @Test
    void ruleSetCapturesTcpBothWaysWithTheDocumentedExceptions() {
        assertThat(rules.ruleSet(IPV4).expectedListing()).containsExactly(
                "ipv4 mangle: -A PREROUTING -j TRELLIS_PREROUTING",
                "ipv4 mangle: -A TRELLIS_PREROUTING -p tcp -m conntrack --ctstate INVALID -j DROP",
                "ipv4 mangle: -A OUTPUT -j TRELLIS_OUTPUT",
                "ipv4 mangle: -A TRELLIS_OUTPUT -m mark --mark 0x539/0xfff -m addrtype ! --src-type LOCAL"
                        + " --dst-type LOCAL -j CONNMARK --set-xmark 0x53a/0xfff",
                "ipv4 mangle: -A TRELLIS_OUTPUT -m connmark --mark 0x53a/0xfff -m mark ! --mark 0x539/0xfff"
                        + " -j MARK --set-xmark 0x53a/0xfff",
                "ipv4 nat: -A PREROUTING -j TRELLIS_PREROUTING",
                "ipv4 nat: -A TRELLIS_PREROUTING -p tcp -m tcp --dport 15008 -j RETURN",
                "ipv4 nat: -A TRELLIS_PREROUTING -s 10.241.1.1/32 -p tcp -j RETURN",
                "ipv4 nat: -A TRELLIS_PREROUTING -p tcp -j REDIRECT --to-ports 15006",
                "ipv4 nat: -A OUTPUT -j TRELLIS_OUTPUT",
                "ipv4 nat: -A TRELLIS_OUTPUT -m mark --mark 0x539/0xfff -j RETURN",
                "ipv4 nat: -A TRELLIS_OUTPUT -o lo -j RETURN",
                "ipv4 nat: -A TRELLIS_OUTPUT -p tcp -j REDIRECT --to-ports 15001",
                "ipv4 route: local default dev lo table 1337",
                "ipv4 rule: fwmark 0x53a/0xfff lookup 1337");
        assertThat(rules.ruleSet(IPV6).expectedListing())
                .contains("ipv6 nat: -A TRELLIS_PREROUTING -s fd00:241:1::1/128 -p tcp -j RETURN",
                        "ipv6 nat: -A TRELLIS_OUTPUT -p tcp -j REDIRECT --to-ports 15001")
                .noneMatch(line -> line.contains("10.241.1.1"));
    }

    @Test
    void installRunsInsideThePodNamespaceAndLeavesTheExpectedRulesForBothFamilies() {
        Map<IpFamily, IptablesBackend> used = rules.install(POD);

        assertThat(used).containsExactly(Map.entry(IPV4, IptablesBackend.NFT), Map.entry(IPV6, IptablesBackend.NFT));
        assertThat(iptables.calls()).allSatisfy(call -> assertThat(call.netns()).isEqualTo(POD));
        CaptureStatus status = rules.status(POD);
        assertThat(status.complete()).isTrue();
        assertThat(status.backends()).isEqualTo(used);
        assertThat(iptables.dump(POD, "iptables-nft")).contains("-A TRELLIS_OUTPUT -p tcp -j REDIRECT --to-ports 15001");
        assertThat(iptables.dump(POD, "ip6tables-nft")).contains("-A TRELLIS_OUTPUT -p tcp -j REDIRECT --to-ports 15001");
    }

    @Test
    void installingTwiceLeavesExactlyTheSameRules() {
        rules.install(POD);
        String v4 = iptables.dump(POD, "iptables-nft");
        String v6 = iptables.dump(POD, "ip6tables-nft");
        String routing = iptables.ipDump(POD, "-4") + iptables.ipDump(POD, "-6");

        rules.install(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).isEqualTo(v4);
        assertThat(iptables.dump(POD, "ip6tables-nft")).isEqualTo(v6);
        assertThat(iptables.ipDump(POD, "-4") + iptables.ipDump(POD, "-6")).isEqualTo(routing);
        assertThat(iptables.ipDump(POD, "-4")).containsOnlyOnce("fwmark 0x53a/0xfff lookup 1337");
        assertThat(iptables.ipDump(POD, "-6")).containsOnlyOnce("fwmark 0x53a/0xfff lookup 1337");
        assertThat(rules.status(POD).complete()).isTrue();
    }

    @Test
    void transparentRepliesArePolicyRoutedBackIntoThePod() {
        rules.install(POD);

        for (String family : List.of("-4", "-6")) {
            assertThat(iptables.ipDump(POD, family))
                    .contains("1337:\tfrom all fwmark 0x53a/0xfff lookup 1337\n32766:\tfrom all lookup main")
                    .contains("table 1337: [local default dev lo");
        }
    }

    @Test
    void uninstallRemovesOnlyOurPolicyRoutingRule() {
        iptables.seedIpRule(POD, "-4", "100:\tfrom all fwmark 0x1/0x1 lookup 100");
        String before = iptables.ipDump(POD, "-4");

        rules.install(POD);
        rules.uninstall(POD);

        assertThat(iptables.ipDump(POD, "-4")).isEqualTo(before).contains("fwmark 0x1/0x1 lookup 100");
        assertThat(rules.status(POD).absent()).isTrue();
    }

    @Test
    void uninstallRemovesExactlyTheTrellisRulesAndKeepsForeignOnes() {
        iptables.seed(POD, "iptables-nft", "nat", "-N CNI_HOSTPORT");
        iptables.seed(POD, "iptables-nft", "nat", "-A CNI_HOSTPORT -p tcp -j RETURN");
        iptables.seed(POD, "iptables-nft", "nat", "-A OUTPUT -j CNI_HOSTPORT");
        iptables.seed(POD, "iptables-nft", "mangle", "-A PREROUTING -j MARK --set-mark 0x4000/0x4000");
        iptables.seed(POD, "ip6tables-nft", "nat", "-A POSTROUTING -j MASQUERADE");
        String v4 = iptables.dump(POD, "iptables-nft");
        String v6 = iptables.dump(POD, "ip6tables-nft");

        rules.install(POD);
        assertThat(iptables.dump(POD, "iptables-nft")).isNotEqualTo(v4).contains("CNI_HOSTPORT");
        rules.uninstall(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).isEqualTo(v4);
        assertThat(iptables.dump(POD, "ip6tables-nft")).isEqualTo(v6);
        assertThat(rules.status(POD).absent()).isTrue();
    }

    @Test
    void uninstallOnACleanNamespaceChangesNothing() {
        String before = iptables.dump(POD, "iptables-nft");

        rules.uninstall(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).isEqualTo(before);
        assertThat(iptables.calls()).noneMatch(call -> call.argv().contains("-X") || call.argv().contains("-D"));
    }

    @Test
    void installCapturesBeforeForeignRulesInTheBuiltInChains() {
        iptables.seed(POD, "iptables-nft", "nat", "-A OUTPUT -p udp -j RETURN");

        rules.install(POD);

        assertThat(iptables.dump(POD, "iptables-nft"))
                .contains("-A OUTPUT -j TRELLIS_OUTPUT\n-A OUTPUT -p udp -j RETURN");
    }

    @Test
    void installRepairsDuplicateJumpsAndRemovesChainsOfAnOlderRuleSet() {
        rules.install(POD);
        iptables.seed(POD, "iptables-nft", "nat", "-A OUTPUT -j TRELLIS_OUTPUT");
        iptables.seed(POD, "iptables-nft", "nat", "-N TRELLIS_OLD");
        iptables.seed(POD, "iptables-nft", "nat", "-A TRELLIS_OLD -p tcp -j RETURN");
        iptables.seed(POD, "iptables-nft", "nat", "-A POSTROUTING -j TRELLIS_OLD");
        iptables.seed(POD, "ip6tables-nft", "nat", "-D OUTPUT -j TRELLIS_OUTPUT");
        assertThat(rules.status(POD).complete()).isFalse();

        rules.install(POD);

        assertThat(rules.status(POD).complete()).isTrue();
        assertThat(iptables.dump(POD, "iptables-nft")).doesNotContain("TRELLIS_OLD");
    }

    @Test
    void fallsBackToLegacyWhenNftDoesNotWork() {
        iptables.breakBinary("iptables-nft");
        iptables.breakBinary("ip6tables-nft");

        assertThat(rules.install(POD)).containsEntry(IPV4, IptablesBackend.LEGACY).containsEntry(IPV6, IptablesBackend.LEGACY);

        assertThat(rules.status(POD).backends()).containsEntry(IPV4, IptablesBackend.LEGACY);
        rules.uninstall(POD);
        assertThat(rules.status(POD).absent()).isTrue();
    }

    @Test
    void reinstallStaysOnTheBackendThatAlreadyHoldsTheRules() {
        CaptureRules legacyOnly = new CaptureRules(iptables, CaptureConfig.defaults(List.of()),
                List.of(IptablesBackend.LEGACY));
        legacyOnly.install(POD);

        assertThat(rules.install(POD)).containsEntry(IPV4, IptablesBackend.LEGACY);

        assertThat(iptables.dump(POD, "iptables-nft")).doesNotContain("TRELLIS");
        assertThat(iptables.dump(POD, "ip6tables-nft")).doesNotContain("TRELLIS");
    }

    @Test
    void uninstallCleansBothBackends() {
        new CaptureRules(iptables, CaptureConfig.defaults(List.of()), List.of(IptablesBackend.LEGACY)).install(POD);
        rules.install(POD);
        iptables.seed(POD, "iptables-nft", "nat", "-N TRELLIS_OUTPUT_X");

        rules.uninstall(POD);

        for (String binary : List.of("iptables-nft", "iptables-legacy", "ip6tables-nft", "ip6tables-legacy")) {
            assertThat(iptables.dump(POD, binary)).as(binary).doesNotContain("TRELLIS");
        }
    }

    @Test
    void aKernelWithoutIpv6GetsOnlyTheIpv4Rules() {
        iptables.withoutIpv6();

        assertThat(rules.install(POD)).containsOnlyKeys(IPV4);

        assertThat(rules.status(POD).complete()).isTrue();
        rules.uninstall(POD);
        assertThat(rules.status(POD).absent()).isTrue();
    }

    @Test
    void aBrokenIp6tablesOnAnIpv6KernelFailsClosed() {
        iptables.breakBinary("ip6tables-nft");
        iptables.breakBinary("ip6tables-legacy");

        assertThatThrownBy(() -> rules.install(POD))
                .isInstanceOf(CaptureException.NoWorkingIptables.class)
                .hasMessageContaining("no working ip6tables (ipv6) in netns trlt-pod-a1");
    }

    @Test
    void anIpv4OnlyConfigurationLeavesIp6tablesAlone() {
        CaptureRules v4 = new CaptureRules(iptables, CaptureConfig.defaults(List.of()).withFamilies(IPV4));

        assertThat(v4.install(POD)).containsOnlyKeys(IPV4);

        assertThat(iptables.calls()).noneMatch(call -> call.argv().getFirst().startsWith("ip6tables"));
    }

    @Test
    void noWorkingIptablesSaysWhatFailedAndWhatToCheck() {
        iptables.breakBinary("iptables-nft");
        iptables.breakBinary("iptables-legacy");

        assertThatThrownBy(() -> rules.install(POD))
                .isInstanceOf(CaptureException.NoWorkingIptables.class)
                .hasMessageContaining("no working iptables (ipv4) in netns trlt-pod-a1")
                .hasMessageContaining("'iptables-nft -w -t nat -S' exited with 1: iptables-nft v1.8.9: can't initialize")
                .hasMessageContaining("iptables-legacy -w -t nat -S")
                .hasMessageContaining("'iptables' package");
    }

    @Test
    void aFailingCommandIsNamedWithItsStderr() {
        iptables.failWhen(argv -> argv.getFirst().endsWith("-restore"));

        assertThatThrownBy(() -> rules.install(POD))
                .isInstanceOf(CaptureException.RuleCommandFailed.class)
                .hasMessageContaining("installing ipv4 capture rules in netns trlt-pod-a1 failed")
                .hasMessageContaining("'iptables-nft-restore -w --noflush' exited with 4: iptables: injected failure")
                .hasMessageContaining("REDIRECT");
    }

    @Test
    void aRunnerThatCannotStartTheCommandBecomesACaptureError() {
        CommandRunner missing = (netns, argv, stdin) -> {
            throw new CommandException("cannot start '" + String.join(" ", argv) + "': No such file or directory");
        };

        assertThatThrownBy(() -> new CaptureRules(missing, CaptureConfig.defaults(List.of())).install(POD))
                .isInstanceOf(CaptureException.NoWorkingIptables.class)
                .hasMessageContaining("No such file or directory");
    }
}
