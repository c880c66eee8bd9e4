package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The two iptables flavours Debian ships, each with an IPv4 ({@code iptables-*}) and an IPv6
 * ({@code ip6tables-*}) command. Both drive the same kernel NAT; what matters is that the rules land
 * in the one the rest of the pod namespace uses, so uninstall finds them again.
 */
public enum IptablesBackend {
    /** iptables over nf_tables: Debian's default. */
    NFT("nft"),
    /** The old x_tables interface, still used by some CNIs. */
    LEGACY("legacy");

    private final String suffix;

    IptablesBackend(String suffix) {
        this.suffix = suffix;
    }

    /** The IPv4 command name, e.g. {@code iptables-nft}. */
    public String binary() {
        return binary(IpFamily.IPV4);
    }

    /** The command name for a family, e.g. {@code ip6tables-legacy}. */
    public String binary(IpFamily family) {
        return family.command() + "-" + suffix;
    }

    /** {@code iptables ARGS} with the xtables lock wait, so concurrent agents queue instead of failing. */
    List<String> command(IpFamily family, String table, String... args) {
        List<String> argv = new ArrayList<>(List.of(binary(family), "-w", "-t", table));
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code iptables-restore --noflush}: replaces only the chains named in its input, atomically per table. */
    List<String> restoreCommand(IpFamily family) {
        return List.of(binary(family) + "-restore", "-w", "--noflush");
    }
}
