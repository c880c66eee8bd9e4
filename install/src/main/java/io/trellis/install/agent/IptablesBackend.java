package io.trellis.install.agent;

import java.util.List;

/**
 * The two iptables flavours Debian ships. Both drive the same kernel NAT; what matters is that
 * the rules land in the one the rest of the pod namespace uses, so uninstall finds them again.
 */
public enum IptablesBackend {
    /** iptables over nf_tables: Debian's default. */
    NFT("iptables-nft", "iptables-nft-restore"),
    /** The old x_tables interface, still used by some CNIs. */
    LEGACY("iptables-legacy", "iptables-legacy-restore");

    private final String binary;
    private final String restoreBinary;

    IptablesBackend(String binary, String restoreBinary) {
        this.binary = binary;
        this.restoreBinary = restoreBinary;
    }

    /** The command name, e.g. {@code iptables-nft}. */
    public String binary() {
        return binary;
    }

    /** {@code iptables ARGS} with the xtables lock wait, so concurrent agents queue instead of failing. */
    List<String> command(String table, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(binary, "-w", "-t", table));
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code iptables-restore --noflush}: replaces only the chains named in its input, atomically per table. */
    List<String> restoreCommand() {
        return List.of(restoreBinary, "-w", "--noflush");
    }
}
