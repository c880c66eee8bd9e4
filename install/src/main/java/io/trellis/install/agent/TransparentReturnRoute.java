package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy route that sends packets carrying {@link CaptureConfig#TRANSPARENT_MARK} to the pod
 * itself: table {@value CaptureConfig#TRANSPARENT_ROUTE_TABLE} holds only {@code local default
 * dev lo}, and one {@code ip rule} points marked packets at it. Install is idempotent
 * ({@code route replace}, one rule however often it runs); uninstall removes that rule and that
 * table only.
 */
final class TransparentReturnRoute {

    /** Below the main table's rule (32766), so marked replies never reach the default route. */
    static final int RULE_PRIORITY = 1337;

    private final CommandRunner runner;
    private final CaptureConfig config;

    TransparentReturnRoute(CommandRunner runner, CaptureConfig config) {
        this.runner = runner;
        this.config = config;
    }

    void install(Netns netns, IpFamily family) {
        check(netns, family, "adding the transparent-return route", List.of("route", "replace", "local", "default",
                "dev", "lo", "table", table()));
        int rules = ourRules(netns, family);
        for (int i = 1; i < rules; i++) {
            check(netns, family, "removing a duplicate transparent-return rule", ruleArgs("del"));
        }
        if (rules == 0) {
            check(netns, family, "adding the transparent-return rule", ruleArgs("add"));
        }
    }

    void uninstall(Netns netns, IpFamily family) {
        for (int i = ourRules(netns, family); i > 0; i--) {
            check(netns, family, "removing the transparent-return rule", ruleArgs("del"));
        }
        if (!routes(netns, family).isEmpty()) {
            check(netns, family, "flushing the transparent-return table", List.of("route", "flush", "table", table()));
        }
    }

    /** What exists, in the normalised form of {@link CaptureRuleSet#routingListing()}. */
    List<String> listing(Netns netns, IpFamily family) {
        List<String> lines = new ArrayList<>();
        for (String route : routes(netns, family)) {
            lines.add(family.label() + " route: " + route + " table " + table());
        }
        for (int i = ourRules(netns, family); i > 0; i--) {
            lines.add(family.label() + " rule: " + ruleText());
        }
        return lines;
    }

    /** Routes in our table, trimmed to "type prefix dev X" (metrics and flags differ between families). */
    private List<String> routes(Netns netns, IpFamily family) {
        CommandResult result = run(netns, family, "listing the transparent-return table",
                List.of("route", "show", "table", table()));
        if (!result.ok()) {
            return List.of(); // "table does not exist" on some kernels when it is empty
        }
        return result.stdout().lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> String.join(" ", List.of(l.split("\\s+")).subList(0, Math.min(4, l.split("\\s+").length))))
                .toList();
    }

    private int ourRules(Netns netns, IpFamily family) {
        CommandResult result = run(netns, family, "listing policy-routing rules", List.of("rule", "show"));
        requireOk(netns, "listing policy-routing rules", result);
        String wanted = ruleText();
        return (int) result.stdout().lines().filter(l -> l.contains(wanted)).count();
    }

    private String ruleText() {
        return "fwmark " + config.transparentMarkMatch() + " lookup " + table();
    }

    private List<String> ruleArgs(String verb) {
        return List.of("rule", verb, "fwmark", config.transparentMarkMatch(), "lookup", table(), "priority",
                String.valueOf(RULE_PRIORITY));
    }

    private static String table() {
        return String.valueOf(CaptureConfig.TRANSPARENT_ROUTE_TABLE);
    }

    private void check(Netns netns, IpFamily family, String action, List<String> args) {
        requireOk(netns, action, run(netns, family, action, args));
    }

    private CommandResult run(Netns netns, IpFamily family, String action, List<String> args) {
        List<String> argv = new ArrayList<>(family == IpFamily.IPV6 ? List.of("ip", "-6") : List.of("ip", "-4"));
        argv.addAll(args);
        try {
            return runner.run(netns, argv);
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
