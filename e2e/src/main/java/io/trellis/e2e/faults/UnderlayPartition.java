package io.trellis.e2e.faults;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.LabNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A network partition between two lab nodes: iptables DROP rules in {@code node}'s namespace for everything to or from
 * {@code peer} (its underlay address and its pod CIDR), in INPUT, OUTPUT and FORWARD, since pod traffic is forwarded
 * through the node's namespace and the node-proxy's own sockets are local to it. The rules live in a chain of their own,
 * so healing removes exactly them. Packets are dropped, not rejected: both sides see silence, as with a cut cable.
 */
public final class UnderlayPartition implements AutoCloseable {

    private static final String CHAIN = "TRELLIS-FAULT-PARTITION";
    private static final List<String> HOOKS = List.of("INPUT", "OUTPUT", "FORWARD");

    private final LabNode node;
    private boolean healed;

    private UnderlayPartition(LabNode node) {
        this.node = node;
    }

    /** Cuts {@code node} off from {@code peer}. */
    public static UnderlayPartition cut(LabNode node, LabNode peer) {
        UnderlayPartition p = new UnderlayPartition(node);
        List<List<String>> rules = new ArrayList<>();
        rules.add(List.of("-N", CHAIN));
        for (String peerAddress : List.of(peer.ip(), peer.podCidr())) {
            rules.add(List.of("-A", CHAIN, "-s", peerAddress, "-j", "DROP"));
            rules.add(List.of("-A", CHAIN, "-d", peerAddress, "-j", "DROP"));
        }
        for (String hook : HOOKS) {
            rules.add(List.of("-I", hook, "1", "-j", CHAIN));
        }
        try {
            for (List<String> rule : rules) {
                p.iptables(rule, true);
            }
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Removes the rules; idempotent. */
    @Override
    public void close() {
        if (healed) {
            return;
        }
        healed = true;
        for (String hook : HOOKS) {
            iptables(List.of("-D", hook, "-j", CHAIN), false);
        }
        iptables(List.of("-F", CHAIN), false);
        iptables(List.of("-X", CHAIN), false);
    }

    private void iptables(List<String> args, boolean mustWork) {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-w"));
        cmd.addAll(args);
        CommandResult r = node.exec(cmd.toArray(String[]::new));
        if (mustWork && !r.ok()) {
            throw new IllegalStateException("partition rule failed in " + node.name() + ": " + String.join(" ", cmd)
                    + ": " + r.failureSummary());
        }
    }
}
