package io.trellis.install.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureRulesTest {

    private static final Netns POD = Netns.named("trlt-pod-a1");
    private final FakeIptables iptables = new FakeIptables();
    private final CaptureRules rules = new CaptureRules(iptables, CaptureConfig.defaults(List.of("10.241.1.1")));

    @Test
    void ruleSetCapturesTcpBothWaysWithTheDocumentedExceptions() {
        assertThat(rules.ruleSet().expectedListing()).containsExactly(
                "mangle: -A PREROUTING -j TRELLIS_PREROUTING",
                "mangle: -A TRELLIS_PREROUTING -p tcp -m conntrack --ctstate INVALID -j DROP",
                "nat: -A PREROUTING -j TRELLIS_PREROUTING",
                "nat: -A TRELLIS_PREROUTING -p tcp -m tcp --dport 15008 -j RETURN",
                "nat: -A TRELLIS_PREROUTING -s 10.241.1.1/32 -p tcp -j RETURN",
                "nat: -A TRELLIS_PREROUTING -p tcp -j REDIRECT --to-ports 15006",
                "nat: -A OUTPUT -j TRELLIS_OUTPUT",
                "nat: -A TRELLIS_OUTPUT -m mark --mark 0x539/0xfff -j RETURN",
                "nat: -A TRELLIS_OUTPUT -o lo -j RETURN",
                "nat: -A TRELLIS_OUTPUT -p tcp -j REDIRECT --to-ports 15001");
    }

    @Test
    void installRunsInsideThePodNamespaceAndLeavesTheExpectedRules() {
        IptablesBackend backend = rules.install(POD);

        assertThat(backend).isEqualTo(IptablesBackend.NFT);
        assertThat(iptables.calls()).allSatisfy(call -> assertThat(call.netns()).isEqualTo(POD));
        CaptureStatus status = rules.status(POD);
        assertThat(status.complete()).isTrue();
        assertThat(status.backend()).isEqualTo(IptablesBackend.NFT);
        assertThat(status.listing()).isEqualTo(rules.ruleSet().expectedListing());
    }

    @Test
    void installingTwiceLeavesExactlyTheSameRules() {
        rules.install(POD);
        String once = iptables.dump(POD, "iptables-nft");

        rules.install(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).isEqualTo(once);
        assertThat(rules.status(POD).complete()).isTrue();
    }

    @Test
    void uninstallRemovesExactlyTheTrellisRulesAndKeepsForeignOnes() {
        iptables.seed(POD, "iptables-nft", "nat", "-N CNI_HOSTPORT");
        iptables.seed(POD, "iptables-nft", "nat", "-A CNI_HOSTPORT -p tcp -j RETURN");
        iptables.seed(POD, "iptables-nft", "nat", "-A OUTPUT -j CNI_HOSTPORT");
        iptables.seed(POD, "iptables-nft", "mangle", "-A PREROUTING -j MARK --set-mark 0x4000/0x4000");
        String before = iptables.dump(POD, "iptables-nft");

        rules.install(POD);
        assertThat(iptables.dump(POD, "iptables-nft")).isNotEqualTo(before).contains("CNI_HOSTPORT");
        rules.uninstall(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).isEqualTo(before);
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
        assertThat(rules.status(POD).complete()).isFalse();

        rules.install(POD);

        assertThat(rules.status(POD).complete()).isTrue();
        assertThat(iptables.dump(POD, "iptables-nft")).doesNotContain("TRELLIS_OLD");
    }

    @Test
    void fallsBackToLegacyWhenNftDoesNotWork() {
        iptables.breakBinary("iptables-nft");

        assertThat(rules.install(POD)).isEqualTo(IptablesBackend.LEGACY);

        assertThat(rules.status(POD).backend()).isEqualTo(IptablesBackend.LEGACY);
        rules.uninstall(POD);
        assertThat(rules.status(POD).absent()).isTrue();
    }

    @Test
    void reinstallStaysOnTheBackendThatAlreadyHoldsTheRules() {
        CaptureRules legacyOnly = new CaptureRules(iptables, CaptureConfig.defaults(List.of()),
                List.of(IptablesBackend.LEGACY));
        legacyOnly.install(POD);

        assertThat(rules.install(POD)).isEqualTo(IptablesBackend.LEGACY);

        assertThat(iptables.dump(POD, "iptables-nft")).doesNotContain("TRELLIS");
    }

    @Test
    void uninstallCleansBothBackends() {
        new CaptureRules(iptables, CaptureConfig.defaults(List.of()), List.of(IptablesBackend.LEGACY)).install(POD);
        rules.install(POD);
        iptables.seed(POD, "iptables-nft", "nat", "-N TRELLIS_OUTPUT_X");

        rules.uninstall(POD);

        assertThat(iptables.dump(POD, "iptables-nft")).doesNotContain("TRELLIS");
        assertThat(iptables.dump(POD, "iptables-legacy")).doesNotContain("TRELLIS");
    }

    @Test
    void noWorkingIptablesSaysWhatFailedAndWhatToCheck() {
        iptables.breakBinary("iptables-nft");
        iptables.breakBinary("iptables-legacy");

        assertThatThrownBy(() -> rules.install(POD))
                .isInstanceOf(CaptureException.NoWorkingIptables.class)
                .hasMessageContaining("netns trlt-pod-a1")
                .hasMessageContaining("'iptables-nft -w -t nat -S' exited with 1: iptables-nft v1.8.9: can't initialize")
                .hasMessageContaining("iptables-legacy -w -t nat -S")
                .hasMessageContaining("'iptables' package");
    }

    @Test
    void aFailingCommandIsNamedWithItsStderr() {
        iptables.failWhen(argv -> argv.getFirst().endsWith("-restore"));

        assertThatThrownBy(() -> rules.install(POD))
                .isInstanceOf(CaptureException.RuleCommandFailed.class)
                .hasMessageContaining("installing capture rules in netns trlt-pod-a1 failed")
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
