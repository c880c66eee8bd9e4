package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The in-pod capture rules for one {@link CaptureConfig}, as data: which chains exist in which
 * table, which built-in chain jumps to each, and each rule in the exact form {@code iptables -S}
 * prints it, so what is installed can be compared with what is expected.
 *
 * <p>Every chain is named {@value #CHAIN_PREFIX}{@code *}; install and uninstall touch nothing else.
 * The rules and why each one is there:
 * <ul>
 *   <li>mangle OUTPUT: when the node-proxy connects to its own pod's app with a client's address
 *       as source (IP_TRANSPARENT), mark the connection, and mark the app's replies on it; a
 *       policy route ({@link #routingListing()}) sends those replies back into the pod, to the
 *       proxy's socket, instead of out to the client, which never opened that connection.
 *   <li>mangle PREROUTING: drop TCP that conntrack calls INVALID. Such a segment is not NATed, so
 *       it would reach the app's port directly; the app answers with a RST that kills the proxied
 *       connection.
 *   <li>nat PREROUTING (inbound, first packet of each connection): HBONE on the HBONE port and
 *       health probes from the probe sources pass as they are; all other TCP is redirected to the
 *       inbound plaintext port.
 *   <li>nat OUTPUT (outbound, first packet of each connection): the node-proxy's own sockets (the
 *       proxy mark) and anything on loopback (which includes the pod's own IP) pass; all other TCP
 *       is redirected to the outbound port. {@code -m owner} cannot tell the proxy apart because its
 *       sockets live in the pod namespace but belong to another process tree, hence the mark.
 * </ul>
 * Other return traffic needs no rule: NAT applies to a connection's first packet, and conntrack
 * rewrites the replies of a redirected connection back.
 */
public final class CaptureRuleSet {

    /** Prefix of every chain Trellis owns in a pod namespace. */
    public static final String CHAIN_PREFIX = "TRELLIS_";

    /** A chain Trellis owns and the built-in chain that jumps to it. */
    record Chain(String table, String name, String hook, List<String> rules) {
        Chain {
            rules = List.copyOf(rules);
        }

        /** The rule in the built-in chain that sends packets to this chain. */
        String jumpSpec() {
            return "-A " + hook + " -j " + name;
        }
    }

    private final CaptureConfig config;
    private final IpFamily family;
    private final List<Chain> chains;

    /** The rules of one address family: iptables and ip6tables hold separate tables. */
    public CaptureRuleSet(CaptureConfig config, IpFamily family) {
        this.config = config;
        this.family = family;
        this.chains = List.of(mangleInbound(), mangleOutbound(config), natInbound(config, family), natOutbound(config));
    }

    public CaptureConfig config() {
        return config;
    }

    public IpFamily family() {
        return family;
    }

    List<Chain> chains() {
        return chains;
    }

    /** The tables the rule set touches, in the order they are installed. */
    List<String> tables() {
        return chains.stream().map(Chain::table).distinct().toList();
    }

    private static Chain mangleInbound() {
        return new Chain("mangle", CHAIN_PREFIX + "PREROUTING", "PREROUTING",
                List.of("-A TRELLIS_PREROUTING -p tcp -m conntrack --ctstate INVALID -j DROP"));
    }

    private static Chain mangleOutbound(CaptureConfig config) {
        String chain = CHAIN_PREFIX + "OUTPUT";
        String transparent = config.transparentMarkMatch();
        return new Chain("mangle", chain, "OUTPUT", List.of(
                // The proxy's socket toward its own pod with a client's address as source: remember the connection.
                "-A " + chain + " -m mark --mark " + config.markMatch()
                        + " -m addrtype ! --src-type LOCAL --dst-type LOCAL -j CONNMARK --set-xmark " + transparent,
                // The app's replies on such a connection: mark them so policy routing keeps them in the pod.
                "-A " + chain + " -m connmark --mark " + transparent + " -m mark ! --mark " + config.markMatch()
                        + " -j MARK --set-xmark " + transparent));
    }

    private static Chain natInbound(CaptureConfig config, IpFamily family) {
        String chain = CHAIN_PREFIX + "PREROUTING";
        List<String> rules = new ArrayList<>();
        rules.add("-A " + chain + " -p tcp -m tcp --dport " + config.hbonePort() + " -j RETURN");
        for (String source : config.probeSources(family)) {
            rules.add("-A " + chain + " -s " + source + " -p tcp -j RETURN");
        }
        rules.add("-A " + chain + " -p tcp -j REDIRECT --to-ports " + config.inboundPlaintextPort());
        return new Chain("nat", chain, "PREROUTING", rules);
    }

    private static Chain natOutbound(CaptureConfig config) {
        String chain = CHAIN_PREFIX + "OUTPUT";
        return new Chain("nat", chain, "OUTPUT", List.of(
                "-A " + chain + " -m mark --mark " + config.markMatch() + " -j RETURN",
                "-A " + chain + " -o lo -j RETURN",
                "-A " + chain + " -p tcp -j REDIRECT --to-ports " + config.outboundPort()));
    }

    /**
     * Input for {@code iptables-restore --noflush}: declaring a chain creates it or empties it, so
     * applying this twice leaves the same rules, and each table changes in one transaction.
     */
    String restoreInput() {
        StringBuilder out = new StringBuilder();
        for (String table : tables()) {
            out.append('*').append(table).append('\n');
            for (Chain chain : chainsOf(table)) {
                out.append(':').append(chain.name()).append(" - [0:0]\n");
            }
            for (Chain chain : chainsOf(table)) {
                chain.rules().forEach(rule -> out.append(rule).append('\n'));
            }
            out.append("COMMIT\n");
        }
        return out.toString();
    }

    List<Chain> chainsOf(String table) {
        return chains.stream().filter(c -> c.table().equals(table)).toList();
    }

    /**
     * Every rule as {@code family table: rule}, jumps included: what {@link CaptureRules#status}
     * reads back when all is well.
     */
    public List<String> expectedListing() {
        List<String> lines = new ArrayList<>();
        for (Chain chain : chains) {
            lines.add(label(chain.table()) + chain.jumpSpec());
            chain.rules().forEach(rule -> lines.add(label(chain.table()) + rule));
        }
        lines.addAll(routingListing());
        return lines;
    }

    /** The policy route and rule for transparent returns, in the normalised form status reports them. */
    List<String> routingListing() {
        return List.of(family.label() + " route: local default dev lo table " + CaptureConfig.TRANSPARENT_ROUTE_TABLE,
                family.label() + " rule: fwmark " + config.transparentMarkMatch() + " lookup "
                        + CaptureConfig.TRANSPARENT_ROUTE_TABLE);
    }

    /** {@code "ipv4 nat: "}: how listings name where a rule lives. */
    String label(String table) {
        return family.label() + " " + table + ": ";
    }
}
