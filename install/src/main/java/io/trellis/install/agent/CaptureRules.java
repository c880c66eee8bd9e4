package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs, inspects and removes the in-pod capture rules ({@link CaptureRuleSet}, one per address
 * family) in a pod's network namespace. Install is idempotent (running it twice leaves the same
 * rules, and it replaces a Trellis rule set of an older shape); uninstall removes every
 * {@code TRELLIS_*} chain and the jumps into them, and nothing else.
 *
 * <p>Not thread-safe per namespace: the node agent serialises the work for one pod.
 */
public final class CaptureRules {

    private static final Logger log = LoggerFactory.getLogger(CaptureRules.class);

    /** Tables an uninstall sweeps for Trellis chains, including ones no current rule set uses. */
    private static final List<String> SWEPT_TABLES = List.of("raw", "mangle", "nat", "filter");
    /** Present in every namespace of a kernel with IPv6, whether or not an address is configured. */
    private static final String IPV6_PRESENT = "/proc/net/if_inet6";

    private final CommandRunner runner;
    private final CaptureConfig config;
    private final Map<IpFamily, CaptureRuleSet> ruleSets = new EnumMap<>(IpFamily.class);
    private final List<IptablesBackend> preference;
    private final TransparentReturnRoute route;

    /** Rules for {@code config}, preferring iptables-nft and falling back to iptables-legacy. */
    public CaptureRules(CommandRunner runner, CaptureConfig config) {
        this(runner, config, List.of(IptablesBackend.NFT, IptablesBackend.LEGACY));
    }

    /** As above with an explicit backend order, e.g. only {@code LEGACY} for a node whose CNI uses it. */
    public CaptureRules(CommandRunner runner, CaptureConfig config, List<IptablesBackend> preference) {
        if (preference.isEmpty()) {
            throw new IllegalArgumentException("at least one iptables backend is needed");
        }
        this.runner = runner;
        this.config = config;
        config.families().forEach(f -> ruleSets.put(f, new CaptureRuleSet(config, f)));
        this.preference = List.copyOf(preference);
        this.route = new TransparentReturnRoute(runner, config);
    }

    /** The rule set of one family. */
    public CaptureRuleSet ruleSet(IpFamily family) {
        CaptureRuleSet set = ruleSets.get(family);
        if (set == null) {
            throw new IllegalArgumentException(family + " is not captured by this configuration");
        }
        return set;
    }

    /**
     * Installs the rule sets in {@code netns} (or brings them back to the expected state) and
     * returns the backend used per family; IPv6 is left out on a kernel without IPv6.
     */
    public Map<IpFamily, IptablesBackend> install(Netns netns) {
        Map<IpFamily, IptablesBackend> used = new EnumMap<>(IpFamily.class);
        for (CaptureRuleSet set : ruleSets.values()) {
            Optional<List<IptablesBackend>> working = workingBackends(netns, set.family());
            if (working.isEmpty()) {
                continue;
            }
            IptablesBackend backend = chooseBackend(netns, set, working.get());
            install(netns, set, backend);
            used.put(set.family(), backend);
        }
        log.info("event=capture_installed netns=\"{}\" backends={} mark={} outbound={} inbound={} hbone={} probe_sources={}",
                netns.describe(), used, config.markMatch(), config.outboundPort(), config.inboundPlaintextPort(),
                config.hbonePort(), config.probeSources());
        return used;
    }

    private void install(Netns netns, CaptureRuleSet set, IptablesBackend backend) {
        IpFamily family = set.family();
        String action = "installing " + family.label() + " capture rules";
        requireOk(netns, action, run(netns, action, backend.restoreCommand(family), set.restoreInput()));
        for (String table : set.tables()) {
            TableListing listing = list(netns, backend, family, table);
            for (CaptureRuleSet.Chain chain : set.chainsOf(table)) {
                ensureSingleJump(netns, backend, family, listing, chain);
            }
            Set<String> expected = new LinkedHashSet<>(set.chainsOf(table).stream().map(CaptureRuleSet.Chain::name).toList());
            removeChains(netns, backend, family, listing,
                    listing.ownChains().stream().filter(c -> !expected.contains(c)).toList());
        }
        route.install(netns, family);
    }

    /** Removes every Trellis chain and jump from {@code netns}, in every family and backend that works there. */
    public void uninstall(Netns netns) {
        for (IpFamily family : IpFamily.values()) {
            for (IptablesBackend backend : workingBackends(netns, family).orElse(List.of())) {
                for (String table : SWEPT_TABLES) {
                    CommandResult result = run(netns, "listing " + table, backend.command(family, table, "-S"), "");
                    if (!result.ok()) {
                        continue; // a table this kernel or backend does not have cannot hold our chains
                    }
                    TableListing listing = TableListing.parse(table, result.stdout());
                    removeChains(netns, backend, family, listing, listing.ownChains());
                }
            }
            if (ipv6PresentOrV4(netns, family)) {
                route.uninstall(netns, family);
            }
        }
        log.info("event=capture_removed netns=\"{}\"", netns.describe());
    }

    /** What Trellis rules {@code netns} holds, compared with the expected rule sets. */
    public CaptureStatus status(Netns netns) {
        Map<IpFamily, IptablesBackend> backends = new EnumMap<>(IpFamily.class);
        List<String> lines = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (CaptureRuleSet set : ruleSets.values()) {
            Optional<List<IptablesBackend>> working = workingBackends(netns, set.family());
            if (working.isEmpty()) {
                continue;
            }
            expected.addAll(set.expectedListing());
            for (IptablesBackend backend : working.get()) {
                List<String> found = listing(netns, set, backend);
                if (!found.isEmpty()) {
                    backends.put(set.family(), backend);
                    lines.addAll(found);
                    break;
                }
            }
            lines.addAll(route.listing(netns, set.family()));
        }
        return new CaptureStatus(backends, lines, !lines.isEmpty() && lines.equals(expected));
    }

    private List<String> listing(Netns netns, CaptureRuleSet set, IptablesBackend backend) {
        List<String> lines = new ArrayList<>();
        for (String table : set.tables()) {
            TableListing listing = list(netns, backend, set.family(), table);
            Set<String> chains = new LinkedHashSet<>();
            set.chainsOf(table).stream().map(CaptureRuleSet.Chain::name).filter(listing::hasChain).forEach(chains::add);
            chains.addAll(listing.ownChains()); // stale ones after the expected ones
            for (String chain : chains) {
                listing.jumpsTo(chain).forEach(j -> lines.add(set.label(table) + j));
                listing.rulesOf(chain).forEach(r -> lines.add(set.label(table) + r));
            }
        }
        return lines;
    }

    private void ensureSingleJump(Netns netns, IptablesBackend backend, IpFamily family, TableListing listing,
            CaptureRuleSet.Chain chain) {
        List<String> jumps = listing.jumpsTo(chain.name());
        long exact = jumps.stream().filter(chain.jumpSpec()::equals).count();
        for (String jump : jumps) {
            if (!jump.equals(chain.jumpSpec()) || exact-- > 1) {
                checked(netns, backend, family, listing.table(), "removing a duplicate jump",
                        TableListing.deleteArgs(jump));
            }
        }
        if (jumps.stream().noneMatch(chain.jumpSpec()::equals)) {
            // First in the built-in chain, so capture happens before anything another tool added.
            checked(netns, backend, family, listing.table(), "hooking " + chain.name() + " into " + chain.hook(),
                    List.of("-I", chain.hook(), "1", "-j", chain.name()));
        }
    }

    private void removeChains(Netns netns, IptablesBackend backend, IpFamily family, TableListing listing,
            List<String> chains) {
        for (String chain : chains) {
            for (String jump : listing.jumpsTo(chain)) {
                checked(netns, backend, family, listing.table(), "removing the jump to " + chain,
                        TableListing.deleteArgs(jump));
            }
        }
        // Flush all before deleting any, in case one of our chains jumps to another.
        for (String chain : chains) {
            checked(netns, backend, family, listing.table(), "flushing " + chain, List.of("-F", chain));
        }
        for (String chain : chains) {
            checked(netns, backend, family, listing.table(), "deleting " + chain, List.of("-X", chain));
        }
    }

    private IptablesBackend chooseBackend(Netns netns, CaptureRuleSet set, List<IptablesBackend> working) {
        // Stay with the backend that already holds our rules, so a re-install does not leave a copy behind.
        for (IptablesBackend backend : working) {
            for (String table : set.tables()) {
                if (!list(netns, backend, set.family(), table).ownChains().isEmpty()) {
                    return backend;
                }
            }
        }
        return working.getFirst();
    }

    /**
     * The backends that can list the nat table for {@code family}, in preference order; empty only
     * for IPv6 on a kernel without IPv6. Throws when none works otherwise.
     */
    private Optional<List<IptablesBackend>> workingBackends(Netns netns, IpFamily family) {
        List<IptablesBackend> working = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (IptablesBackend backend : preference) {
            try {
                CommandResult probe = runner.run(netns, backend.command(family, "nat", "-S"));
                if (probe.ok()) {
                    working.add(backend);
                } else {
                    failures.add(probe.failureSummary());
                }
            } catch (CommandException e) {
                failures.add(e.getMessage());
            }
        }
        if (!working.isEmpty()) {
            return Optional.of(working);
        }
        if (family == IpFamily.IPV6 && !ipv6Present(netns)) {
            log.info("event=capture_ipv6_skipped netns=\"{}\" reason=\"kernel without IPv6\"", netns.describe());
            return Optional.empty();
        }
        throw new CaptureException.NoWorkingIptables(netns, family, String.join("; ", failures));
    }

    private boolean ipv6PresentOrV4(Netns netns, IpFamily family) {
        return family == IpFamily.IPV4 || ipv6Present(netns);
    }

    private boolean ipv6Present(Netns netns) {
        try {
            return runner.run(netns, List.of("test", "-e", IPV6_PRESENT)).ok();
        } catch (CommandException e) {
            return true; // cannot tell: fail closed rather than leave IPv6 uncaptured
        }
    }

    private TableListing list(Netns netns, IptablesBackend backend, IpFamily family, String table) {
        String action = "listing the " + family.label() + " " + table + " table";
        CommandResult result = run(netns, action, backend.command(family, table, "-S"), "");
        requireOk(netns, action, result);
        return TableListing.parse(table, result.stdout());
    }

    private void checked(Netns netns, IptablesBackend backend, IpFamily family, String table, String action,
            List<String> args) {
        List<String> argv = backend.command(family, table, args.toArray(String[]::new));
        requireOk(netns, action, run(netns, action, argv, ""));
    }

    private CommandResult run(Netns netns, String action, List<String> argv, String stdin) {
        try {
            return runner.run(netns, argv, stdin);
        } catch (CommandException e) {
            throw new CaptureException.RuleCommandFailed(netns, action, e.getMessage(), e);
        }
    }

    private static void requireOk(Netns netns, String action, CommandResult result) {
        if (!result.ok()) {
            throw new CaptureException.RuleCommandFailed(netns, action, result.failureSummary(), null);
        }
    }
}
