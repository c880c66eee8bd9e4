package io.trellis.install.agent;

import java.util.Arrays;
import java.util.List;

/** The output of {@code iptables -t TABLE -S}, queried for the Trellis chains and the jumps into them. */
record TableListing(String table, List<String> lines) {

    TableListing {
        lines = List.copyOf(lines);
    }

    static TableListing parse(String table, String output) {
        return new TableListing(table, output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    /** Names of the Trellis-owned chains that exist in this table. */
    List<String> ownChains() {
        return lines.stream()
                .filter(l -> l.startsWith("-N " + CaptureRuleSet.CHAIN_PREFIX))
                .map(l -> l.substring(3).strip())
                .toList();
    }

    boolean hasChain(String chain) {
        return lines.contains("-N " + chain);
    }

    /** The rules inside {@code chain}, in order. */
    List<String> rulesOf(String chain) {
        return lines.stream().filter(l -> l.startsWith("-A " + chain + " ")).toList();
    }

    /** Rules in other chains that jump to {@code chain}. */
    List<String> jumpsTo(String chain) {
        return lines.stream()
                .filter(l -> l.startsWith("-A ") && !l.startsWith("-A " + chain + " "))
                .filter(l -> l.endsWith(" -j " + chain) || l.contains(" -j " + chain + " "))
                .toList();
    }

    /** {@code -A CHAIN SPEC...} turned into the argv tail {@code -D CHAIN SPEC...} that deletes that rule. */
    static List<String> deleteArgs(String appendRule) {
        List<String> tokens = Arrays.asList(appendRule.split("\\s+"));
        if (tokens.size() < 2 || !tokens.getFirst().equals("-A")) {
            throw new IllegalArgumentException("not an append rule: " + appendRule);
        }
        List<String> args = new java.util.ArrayList<>(tokens);
        args.set(0, "-D");
        return args;
    }
}
