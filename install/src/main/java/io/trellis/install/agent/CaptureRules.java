package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs, inspects and removes the in-pod capture rules ({@link CaptureRuleSet}) in a pod's
 * network namespace. Install is idempotent (running it twice leaves the same rules, and it
 * replaces a Trellis rule set of an older shape); uninstall removes every {@code TRELLIS_*} chain
 * and the jumps into them, and nothing else.
 *
 * <p>Not thread-safe per namespace: the node agent serialises the work for one pod.
 */
public final class CaptureRules {

    private static final Logger log = LoggerFactory.getLogger(CaptureRules.class);

    /** Tables an uninstall sweeps for Trellis chains, including ones no current rule set uses. */
    private static final List<String> SWEPT_TABLES = List.of("raw", "mangle", "nat", "filter");

    private final CommandRunner runner;
    private final CaptureRuleSet ruleSet;
    private final List<IptablesBackend> preference;

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
        this.ruleSet = new CaptureRuleSet(config);
        this.preference = List.copyOf(preference);
    }

    public CaptureRuleSet ruleSet() {
        return ruleSet;
    }

    /** Installs the rule set in {@code netns} (or brings it back to the expected state) and returns the backend used. */
    public IptablesBackend install(Netns netns) {
        IptablesBackend backend = chooseBackend(netns);
        CommandResult restore = run(netns, "installing capture rules", backend.restoreCommand(),
                ruleSet.restoreInput());
        requireOk(netns, "installing capture rules", restore);
        for (String table : ruleSet.tables()) {
            TableListing listing = list(netns, backend, table);
            for (CaptureRuleSet.Chain chain : ruleSet.chainsOf(table)) {
                ensureSingleJump(netns, backend, listing, chain);
            }
            Set<String> expected = new LinkedHashSet<>(ruleSet.chainsOf(table).stream()
                    .map(CaptureRuleSet.Chain::name).toList());
            removeChains(netns, backend, listing, listing.ownChains().stream()
                    .filter(c -> !expected.contains(c)).toList());
        }
        log.info("event=capture_installed netns=\"{}\" backend={} mark={} outbound={} inbound={} hbone={} probe_sources={}",
                netns.describe(), backend.binary(), ruleSet.config().markMatch(), ruleSet.config().outboundPort(),
                ruleSet.config().inboundPlaintextPort(), ruleSet.config().hbonePort(),
                ruleSet.config().probeSources());
        return backend;
    }

    /** Removes every Trellis chain and jump from {@code netns}, in every backend that works there. */
    public void uninstall(Netns netns) {
        List<IptablesBackend> working = workingBackends(netns);
        for (IptablesBackend backend : working) {
            for (String table : SWEPT_TABLES) {
                CommandResult result = run(netns, "listing " + table, backend.command(table, "-S"), "");
                if (!result.ok()) {
                    continue; // a table this kernel or backend does not have cannot hold our chains
                }
                TableListing listing = TableListing.parse(table, result.stdout());
                removeChains(netns, backend, listing, listing.ownChains());
            }
        }
        log.info("event=capture_removed netns=\"{}\"", netns.describe());
    }

    /** What Trellis rules {@code netns} holds, compared with the expected rule set. */
    public CaptureStatus status(Netns netns) {
        for (IptablesBackend backend : workingBackends(netns)) {
            List<String> lines = new ArrayList<>();
            for (String table : ruleSet.tables()) {
                TableListing listing = list(netns, backend, table);
                for (String chain : ordered(listing)) {
                    listing.jumpsTo(chain).forEach(j -> lines.add(table + ": " + j));
                    listing.rulesOf(chain).forEach(r -> lines.add(table + ": " + r));
                }
            }
            if (!lines.isEmpty()) {
                return new CaptureStatus(backend, lines, lines.equals(ruleSet.expectedListing()));
            }
        }
        return new CaptureStatus(null, List.of(), false);
    }

    /** The table's Trellis chains: the expected ones in rule-set order, then any stale ones. */
    private List<String> ordered(TableListing listing) {
        Set<String> chains = new LinkedHashSet<>();
        ruleSet.chainsOf(listing.table()).stream().map(CaptureRuleSet.Chain::name)
                .filter(listing::hasChain).forEach(chains::add);
        chains.addAll(listing.ownChains());
        return List.copyOf(chains);
    }

    private void ensureSingleJump(Netns netns, IptablesBackend backend, TableListing listing,
            CaptureRuleSet.Chain chain) {
        List<String> jumps = listing.jumpsTo(chain.name());
        long exact = jumps.stream().filter(chain.jumpSpec()::equals).count();
        for (String jump : jumps) {
            if (!jump.equals(chain.jumpSpec()) || exact-- > 1) {
                checked(netns, backend, listing.table(), "removing a duplicate jump", TableListing.deleteArgs(jump));
            }
        }
        if (jumps.stream().noneMatch(chain.jumpSpec()::equals)) {
            // First in the built-in chain, so capture happens before anything another tool added.
            checked(netns, backend, listing.table(), "hooking " + chain.name() + " into " + chain.hook(),
                    List.of("-I", chain.hook(), "1", "-j", chain.name()));
        }
    }

    private void removeChains(Netns netns, IptablesBackend backend, TableListing listing, List<String> chains) {
        for (String chain : chains) {
            for (String jump : listing.jumpsTo(chain)) {
                checked(netns, backend, listing.table(), "removing the jump to " + chain, TableListing.deleteArgs(jump));
            }
        }
        // Flush all before deleting any, in case one of our chains jumps to another.
        for (String chain : chains) {
            checked(netns, backend, listing.table(), "flushing " + chain, List.of("-F", chain));
        }
        for (String chain : chains) {
            checked(netns, backend, listing.table(), "deleting " + chain, List.of("-X", chain));
        }
    }

    private IptablesBackend chooseBackend(Netns netns) {
        List<IptablesBackend> working = workingBackends(netns);
        // Stay with the backend that already holds our rules, so a re-install does not leave a copy behind.
        for (IptablesBackend backend : working) {
            for (String table : ruleSet.tables()) {
                if (!list(netns, backend, table).ownChains().isEmpty()) {
                    return backend;
                }
            }
        }
        return working.getFirst();
    }

    private List<IptablesBackend> workingBackends(Netns netns) {
        List<IptablesBackend> working = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (IptablesBackend backend : preference) {
            try {
                CommandResult probe = runner.run(netns, backend.command("nat", "-S"));
                if (probe.ok()) {
                    working.add(backend);
                } else {
                    failures.add(probe.failureSummary());
                }
            } catch (CommandException e) {
                failures.add(e.getMessage());
            }
        }
        if (working.isEmpty()) {
            throw new CaptureException.NoWorkingIptables(netns, String.join("; ", failures));
        }
        return working;
    }

    private TableListing list(Netns netns, IptablesBackend backend, String table) {
        CommandResult result = run(netns, "listing the " + table + " table", backend.command(table, "-S"), "");
        requireOk(netns, "listing the " + table + " table", result);
        return TableListing.parse(table, result.stdout());
    }

    private void checked(Netns netns, IptablesBackend backend, String table, String action, List<String> args) {
        List<String> argv = backend.command(table, args.toArray(String[]::new));
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
