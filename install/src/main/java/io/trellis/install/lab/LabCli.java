package io.trellis.install.lab;

import io.trellis.install.agent.Netns;
import io.trellis.install.agent.ProcessCommandRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./trellis lab up|down|status|exec}: the local multi-node lab for people who want to poke around. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "Builds a multi-node mesh lab from network namespaces on this machine (needs root).",
        subcommands = {LabCli.Up.class, LabCli.Down.class, LabCli.Status.class, LabCli.Exec.class})
public final class LabCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Options every subcommand takes. */
    static final class Where {
        @Option(names = "--prefix", defaultValue = LabSpec.DEFAULT_PREFIX,
                description = "Names of everything the lab creates start with this (default: ${DEFAULT-VALUE}).")
        String prefix = LabSpec.DEFAULT_PREFIX;

        @Option(names = "--run-dir", defaultValue = "/run/trellis-lab",
                description = "State file and logs go under <run-dir>/<prefix>/ (default: ${DEFAULT-VALUE}).")
        Path runRoot = LabManager.DEFAULT_RUN_ROOT;

        LabManager manager() {
            return new LabManager(new ProcessCommandRunner(), runRoot);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns its exit code (used by tests and by the demo). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new LabCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof LabException || e instanceof IllegalArgumentException) {
                line.getErr().println("trellis lab: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    @Command(name = "up", description = "Build the lab: nodes on an underlay bridge, pods on each node.")
    static final class Up implements Callable<Integer> {
        @CommandLine.Mixin
        Where where = new Where();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--nodes", defaultValue = "2", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--pods-per-node", defaultValue = "2", description = "Pods on each node (default: ${DEFAULT-VALUE}).")
        int podsPerNode;

        @Override
        public Integer call() {
            LabSpec labSpec = LabSpec.standard(where.prefix, nodes, podsPerNode);
            Lab lab = where.manager().up(labSpec);
            Path manifests = lab.writeManifests(lab.runDir().resolve("controller").resolve("lab.yaml"));
            PrintWriter out = spec.commandLine().getOut();
            out.println("lab " + lab.prefix() + " is up");
            LabStatusPrinter.printTopology(lab, out);
            out.println();
            out.println("controller YAML: " + manifests);
            LabPod server = lab.pods().getLast();
            out.println("try:  ./trellis lab exec " + server.name() + " -- python3 -m http.server 8080 &");
            out.println("      ./trellis lab exec " + lab.pods().getFirst().name() + " -- curl -s http://"
                    + server.ip() + ":8080/");
            out.println("down: ./trellis lab down" + (lab.prefix().equals(LabSpec.DEFAULT_PREFIX) ? "" : " --prefix " + lab.prefix()));
            return 0;
        }
    }

    @Command(name = "down", description = "Remove the lab: its processes, namespaces and state (also after a crash).")
    static final class Down implements Callable<Integer> {
        @CommandLine.Mixin
        Where where = new Where();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            TeardownReport report = where.manager().down(where.prefix);
            spec.commandLine().getOut().println(report.nothingRemoved() ? "lab " + where.prefix + ": nothing to remove"
                    : "lab " + where.prefix + " removed: " + report.namespaces().size() + " namespaces, "
                            + report.stoppedPids().size() + " processes stopped"
                            + (report.hostLinks().isEmpty() ? "" : ", host links " + report.hostLinks()));
            return 0;
        }
    }

    @Command(name = "status", description = "Show what exists of the lab.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        Where where = new Where();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            LabManager manager = where.manager();
            LabStatus status = manager.status(where.prefix);
            LabStatusPrinter.printStatus(status, manager.attach(where.prefix).orElse(null), spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "exec", description = "Run a command inside a pod's or node's namespace, e.g. exec a1 -- curl -s 10.241.2.2:8080")
    static final class Exec implements Callable<Integer> {
        @CommandLine.Mixin
        Where where = new Where();

        @Parameters(index = "0", paramLabel = "NAME", description = "A pod or node name, or 'underlay'.")
        String name = "";

        @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*", description = "The command (after --).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            RootCheck.require("lab exec");
            LabManager manager = where.manager();
            String netns = LabNames.netns(where.prefix, name);
            if (!manager.namespaces(where.prefix).contains(netns)) {
                throw new LabException.NotFound("no pod or node '" + name + "' in lab " + where.prefix
                        + " (namespace " + netns + " does not exist); './trellis lab status' lists them");
            }
            Process process = new ProcessBuilder(ProcessCommandRunner.inNetns(Netns.named(netns), command))
                    .inheritIO().start();
            return process.waitFor();
        }
    }
}
