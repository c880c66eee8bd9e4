package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A recording fake of iptables (and of the few {@code ip rule}/{@code ip route} commands capture
 * uses) for unit tests: keeps per-namespace, per-backend tables in memory and answers {@code -S},
 * {@code -N/-F/-X/-A/-I/-D} and {@code iptables-restore --noflush} the way the real tools do,
 * including their refusals (deleting a chain still referenced, deleting a rule that is not there).
 */
final class FakeIptables implements CommandRunner {

    private static final Map<String, List<String>> BUILTINS = Map.of(
            "raw", List.of("PREROUTING", "OUTPUT"),
            "mangle", List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
            "nat", List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
            "filter", List.of("INPUT", "FORWARD", "OUTPUT"));

    record Call(Netns netns, List<String> argv, String stdin) {}

    private final List<Call> calls = new ArrayList<>();
    private final Set<String> brokenBinaries = new HashSet<>();
    private final Map<String, Map<String, LinkedHashMap<String, List<String>>>> state = new HashMap<>();
    private Predicate<List<String>> failWhen = argv -> false;
    private boolean ipv6 = true;
    /** Policy-routing rules ("prio:\tfrom all ...") and routes per table, by namespace and family. */
    private final Map<String, List<String>> ipRules = new HashMap<>();
    private final Map<String, Map<String, List<String>>> ipRoutes = new HashMap<>();

    /** Makes every call of {@code binary} fail as a missing kernel module would. */
    void breakBinary(String binary) {
        brokenBinaries.add(binary);
    }

    /** A kernel booted with ipv6.disable=1: ip6tables cannot work and /proc/net/if_inet6 is missing. */
    void withoutIpv6() {
        ipv6 = false;
        brokenBinaries.add("ip6tables-nft");
        brokenBinaries.add("ip6tables-legacy");
    }

    /** Makes matching commands fail with a recognisable stderr. */
    void failWhen(Predicate<List<String>> predicate) {
        failWhen = predicate;
    }

    List<Call> calls() {
        return calls;
    }

    /** Adds a rule as another tool would, e.g. {@code ("nat", "-A POSTROUTING -j MASQUERADE")}. */
    void seed(Netns netns, String binary, String table, String command) {
        CommandResult result = apply(key(netns, binary), table, Arrays.asList(command.split("\\s+")));
        if (!result.ok()) {
            throw new IllegalStateException(result.stderr());
        }
    }

    /** The {@code -S} listing of every table, for before/after comparisons. */
    String dump(Netns netns, String binary) {
        StringBuilder out = new StringBuilder();
        for (String table : List.of("raw", "mangle", "nat", "filter")) {
            out.append("*").append(table).append('\n').append(listing(tables(key(netns, binary)), table));
        }
        return out.toString();
    }

    @Override
    public CommandResult run(Netns netns, List<String> argv, String stdin) {
        calls.add(new Call(netns, List.copyOf(argv), stdin));
        String binary = argv.getFirst();
        if (binary.equals("ip")) {
            return ip(netns, argv);
        }
        if (binary.equals("test")) {
            boolean exists = !argv.getLast().equals("/proc/net/if_inet6") || ipv6;
            return new CommandResult(argv, exists ? 0 : 1, "", "");
        }
        if (brokenBinaries.contains(binary.replace("-restore", ""))) {
            return new CommandResult(argv, 1, "", binary + " v1.8.9: can't initialize iptables table `nat': "
                    + "Table does not exist (do you need to insmod?)\n");
        }
        if (failWhen.test(argv)) {
            return new CommandResult(argv, 4, "", "iptables: injected failure\n");
        }
        String key = key(netns, binary.replace("-restore", ""));
        if (binary.endsWith("-restore")) {
            return restore(argv, key, stdin);
        }
        int t = argv.indexOf("-t");
        return apply(key, argv.get(t + 1), argv.subList(t + 2, argv.size()));
    }

    /** Adds a policy-routing rule as another tool would, e.g. {@code "100:\tfrom all fwmark 0x1 lookup 100"}. */
    void seedIpRule(Netns netns, String family, String line) {
        List<String> rules = rules(netns, family);
        rules.add(line);
        sortByPriority(rules);
    }

    private static void sortByPriority(List<String> rules) {
        rules.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.substring(0, r.indexOf(':')))));
    }

    /** {@code ip rule show} and {@code ip route show table 1337} output, for before/after comparisons. */
    String ipDump(Netns netns, String family) {
        StringBuilder out = new StringBuilder(String.join("\n", rules(netns, family))).append('\n');
        new java.util.TreeMap<>(ipRoutes.getOrDefault(netns.describe() + family, Map.of())).forEach((table, routes) -> {
            if (!routes.isEmpty()) {
                out.append("table ").append(table).append(": ").append(routes).append('\n');
            }
        });
        return out.toString();
    }

    private List<String> rules(Netns netns, String family) {
        return ipRules.computeIfAbsent(netns.describe() + family, k -> new ArrayList<>(List.of(
                "0:\tfrom all lookup local", "32766:\tfrom all lookup main", "32767:\tfrom all lookup default")));
    }

    private CommandResult ip(Netns netns, List<String> argv) {
        String family = argv.get(1);
        List<String> args = argv.subList(2, argv.size());
        List<String> rules = rules(netns, family);
        Map<String, List<String>> routes = ipRoutes.computeIfAbsent(netns.describe() + family, k -> new HashMap<>());
        String joined = String.join(" ", args);
        if (joined.equals("rule show")) {
            return new CommandResult(argv, 0, String.join("\n", rules) + "\n", "");
        }
        if (args.get(0).equals("rule")) {
            // rule add|del fwmark M lookup T priority P
            String line = args.get(7) + ":\tfrom all fwmark " + args.get(3) + " lookup " + args.get(5);
            if (args.get(1).equals("add")) {
                rules.add(line);
                sortByPriority(rules);
            } else if (!rules.remove(line)) {
                return new CommandResult(argv, 2, "", "RTNETLINK answers: No such file or directory\n");
            }
            return new CommandResult(argv, 0, "", "");
        }
        String table = args.getLast();
        List<String> inTable = routes.computeIfAbsent(table, t -> new ArrayList<>());
        switch (args.get(1)) {
            case "replace" -> {
                String route = String.join(" ", args.subList(2, args.size() - 2));
                inTable.removeIf(r -> r.startsWith(route));
                inTable.add(route + (family.equals("-4") ? " scope host" : " metric 1024 pref medium"));
            }
            case "show" -> {
                return new CommandResult(argv, 0, inTable.stream().map(r -> r + " \n").reduce("", String::concat), "");
            }
            case "flush" -> inTable.clear();
            default -> throw new AssertionError("the fake does not know " + argv);
        }
        return new CommandResult(argv, 0, "", "");
    }

    private CommandResult restore(List<String> argv, String key, String input) {
        if (!argv.contains("--noflush")) {
            throw new AssertionError("the capture rules must never flush foreign rules: " + argv);
        }
        String table = null;
        List<List<String>> pending = new ArrayList<>();
        for (String line : input.lines().toList()) {
            if (line.startsWith("*")) {
                table = line.substring(1);
                pending.clear();
            } else if (line.startsWith(":")) {
                pending.add(List.of(":", line.substring(1).split(" ")[0]));
            } else if (line.startsWith("-A")) {
                pending.add(Arrays.asList(line.split("\\s+")));
            } else if (line.equals("COMMIT")) {
                var chains = tables(key).computeIfAbsent(table, FakeIptables::fresh);
                for (List<String> op : pending) {
                    if (op.getFirst().equals(":")) {
                        chains.put(op.get(1), new ArrayList<>()); // declared chains are created or emptied
                    } else if (!chains.containsKey(op.get(1))) {
                        return new CommandResult(argv, 2, "", "iptables-restore: line failed: chain " + op.get(1) + "\n");
                    } else {
                        chains.get(op.get(1)).add(String.join(" ", op));
                    }
                }
            }
        }
        return new CommandResult(argv, 0, "", "");
    }

    private CommandResult apply(String key, String table, List<String> args) {
        var chains = tables(key).computeIfAbsent(table, FakeIptables::fresh);
        String op = args.getFirst();
        String chain = args.size() > 1 ? args.get(1) : "";
        List<String> argv = args;
        switch (op) {
            case "-S" -> {
                return new CommandResult(argv, 0, listing(tables(key), table), "");
            }
            case "-N" -> {
                if (chains.containsKey(chain)) {
                    return fail(argv, "iptables: Chain already exists.");
                }
                chains.put(chain, new ArrayList<>());
            }
            case "-F" -> {
                if (!chains.containsKey(chain)) {
                    return fail(argv, "iptables: No chain/target/match by that name.");
                }
                chains.get(chain).clear();
            }
            case "-X" -> {
                if (!chains.containsKey(chain) || BUILTINS.get(table).contains(chain)) {
                    return fail(argv, "iptables: No chain/target/match by that name.");
                }
                boolean referenced = chains.values().stream().flatMap(List::stream)
                        .anyMatch(r -> r.endsWith(" -j " + chain));
                if (referenced || !chains.get(chain).isEmpty()) {
                    return fail(argv, "iptables: Directory not empty.");
                }
                chains.remove(chain);
            }
            case "-A", "-I", "-D" -> {
                if (!chains.containsKey(chain)) {
                    return fail(argv, "iptables: No chain/target/match by that name.");
                }
                List<String> spec = op.equals("-I") ? args.subList(3, args.size()) : args.subList(2, args.size());
                String rule = "-A " + chain + " " + String.join(" ", spec);
                String target = spec.get(spec.size() - 1);
                if (spec.contains("-j") && target.startsWith("TRELLIS_") && !chains.containsKey(target)) {
                    return fail(argv, "iptables v1.8.9: Couldn't load target `" + target + "'");
                }
                List<String> rules = chains.get(chain);
                switch (op) {
                    case "-A" -> rules.add(rule);
                    case "-I" -> rules.add(Integer.parseInt(args.get(2)) - 1, rule);
                    default -> {
                        if (!rules.remove(rule)) {
                            return fail(argv, "iptables: Bad rule (does a matching rule exist in that chain?).");
                        }
                    }
                }
            }
            default -> throw new AssertionError("the fake does not know " + args);
        }
        return new CommandResult(argv, 0, "", "");
    }

    private static CommandResult fail(List<String> argv, String message) {
        return new CommandResult(argv, 1, "", message + "\n");
    }

    private Map<String, LinkedHashMap<String, List<String>>> tables(String key) {
        return state.computeIfAbsent(key, k -> new HashMap<>());
    }

    private static String listing(Map<String, LinkedHashMap<String, List<String>>> tables, String table) {
        var chains = tables.computeIfAbsent(table, FakeIptables::fresh);
        StringBuilder out = new StringBuilder();
        List<String> builtins = BUILTINS.get(table);
        builtins.forEach(b -> out.append("-P ").append(b).append(" ACCEPT\n"));
        chains.keySet().stream().filter(c -> !builtins.contains(c)).forEach(c -> out.append("-N ").append(c).append('\n'));
        chains.values().forEach(rules -> rules.forEach(r -> out.append(r).append('\n')));
        return out.toString();
    }

    private static LinkedHashMap<String, List<String>> fresh(String table) {
        LinkedHashMap<String, List<String>> chains = new LinkedHashMap<>();
        BUILTINS.get(table).forEach(b -> chains.put(b, new ArrayList<>()));
        return chains;
    }

    private static String key(Netns netns, String binary) {
        return netns.describe() + "|" + binary;
    }
}
