package io.trellis.e2e.demo;

import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabManager;
import io.trellis.install.lab.RootCheck;
import io.trellis.install.lab.TeardownReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./trellis demo}: brings the mesh up in the lab (two nodes, clients on node1, reviews v1 and v2
 * on node2, the controller on the demo YAML), shows identities, mTLS on the wire, balancing, a policy
 * denial and metrics step by step, and tears everything down at the end, on Ctrl-C and on failure. Without root
 * (or with {@code --loopback}) it runs {@link LoopbackDemo} instead: the same mesh on 127.x addresses, apps through
 * SOCKS5, and it says what that skips.
 * Exit status: 0 every step ok or skipped, 1 a step failed or the mesh did not come up, 2 nothing could
 * run here (not root, a tool missing).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The mesh at work in the local lab, step by step, then torn down.")
public final class DemoCli implements Callable<Integer> {

    /** Lab prefix of the demo; a crashed earlier run's leftovers under it are removed first. */
    public static final String DEFAULT_PREFIX = "trdemo";

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print a machine-readable summary as the last line.")
    boolean json;

    @Option(names = "--keep", description = "Leave the lab up afterwards (poke around with ./trellis lab exec "
            + "--prefix " + DEFAULT_PREFIX + " <pod> -- <cmd>; remove it with ./trellis lab down --prefix " + DEFAULT_PREFIX + ").")
    boolean keep;

    @Option(names = "--prefix", defaultValue = DEFAULT_PREFIX, description = "Lab prefix (default ${DEFAULT-VALUE}).")
    String prefix = DEFAULT_PREFIX;

    @Option(names = "--requests", defaultValue = "200", description = "Requests for the balancing step (default ${DEFAULT-VALUE}).")
    int requests = 200;

    @Option(names = "--loopback", description = "Run the loopback variant (no root, no network namespaces: every "
            + "workload on its own 127.x address, apps through SOCKS5) even as root. It is what runs without root; "
            + "TRELLIS_DEMO_LOOPBACK=1 does the same.")
    boolean loopback;

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-demo.xml");
        }
        System.exit(new CommandLine(new DemoCli()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (requests < 1 || requests > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--requests must be in 1..10000");
        }
        boolean notRoot = !RootCheck.isRoot();
        if (loopback || notRoot || "1".equals(System.getenv("TRELLIS_DEMO_LOOPBACK"))) {
            return runLoopback(out, loopback || !notRoot ? "asked for" : "not running as root");
        }
        List<String> missing = MeshLab.missingPrerequisites();
        if (!missing.isEmpty()) {
            return cannotRun(out, missing);
        }
        DemoSummary summary = new DemoSummary("lab");
        out.println("Trellis demo: an ambient mesh in a lab of network namespaces on this machine");
        TeardownReport leftovers = LabManager.system().down(prefix);
        if (!leftovers.nothingRemoved()) {
            out.printf(Locale.ROOT, "removed what an earlier run left: %d namespaces, %d processes%n",
                    leftovers.namespaces().size(), leftovers.stoppedPids().size());
        }
        out.println("bringing up: lab " + prefix + " (node1: client, blocked; node2: reviews-v1, reviews-v2), "
                + "the controller, one node-proxy per node, enrollment and capture ...");
        out.flush();
        MeshLab mesh;
        try {
            mesh = MeshLab.start(DemoTopology.options(prefix));
        } catch (RuntimeException e) {
            summary.add(new DemoSummary.Step("setup", "bring up the mesh", DemoSummary.Status.failed,
                    String.valueOf(e.getMessage()), java.util.Map.of()));
            out.println("the mesh did not come up (torn down again): " + e.getMessage());
            printJson(out, summary);
            return 1;
        }
        Thread hook = new Thread(() -> {
            if (!keep) {
                System.err.println("demo interrupted: tearing down lab " + prefix);
                mesh.close();
            }
        }, "demo-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.println("up: logs under " + mesh.lab().runDir().resolve("logs"));
            DemoSteps steps = new DemoSteps(mesh, out, summary);
            steps.startApps();
            steps.identities();
            steps.mtlsOnTheWire();
            steps.l4Balancing(requests);
            steps.canarySplit(requests);
            steps.retry();
            steps.denial();
            steps.metricsExcerpt();
        } catch (RuntimeException e) {
            summary.add(new DemoSummary.Step("error", "the demo stopped", DemoSummary.Status.failed,
                    e.getClass().getSimpleName() + ": " + e.getMessage(), java.util.Map.of()));
            out.println("\nthe demo stopped: " + e.getMessage() + mesh.processLogs());
        } finally {
            if (keep) {
                out.println("\nkept lab " + prefix + ": ./trellis lab status --prefix " + prefix
                        + " ; ./trellis lab exec --prefix " + prefix + " client -- curl -s " + mesh.serviceVip("reviews")
                        + " ; ./trellis lab down --prefix " + prefix);
            } else {
                out.println("\ntearing down lab " + prefix);
                mesh.close();
            }
            removeHook(hook);
        }
        printSummary(out, summary);
        printJson(out, summary);
        return summary.anyFailed() ? 1 : 0;
    }

    /** The loopback variant ({@link LoopbackDemo}): what it skips is said first and again in the summary. */
    private int runLoopback(PrintWriter out, String why) {
        List<String> missing = new java.util.ArrayList<>();
        for (String tool : List.of("curl", "python3")) {
            if (!MeshLab.onPath(tool)) {
                missing.add(tool + " on the PATH");
            }
        }
        if (!missing.isEmpty()) {
            return cannotRun(out, missing);
        }
        out.println("Trellis demo, loopback variant (" + why + "): the mesh on this host's 127.x addresses, no root "
                + "needed; apps reach it through their SOCKS5 entry instead of being captured. Not shown here (run "
                + "sudo ./trellis demo for them):");
        if (keep) {
            out.println("  (--keep applies to the lab only: the loopback mesh is stopped at the end)");
        }
        DemoSummary summary = new DemoSummary("loopback");
        Path runDir = Path.of(System.getProperty("java.io.tmpdir"),
                "trellis-" + prefix + "-loopback-" + System.getProperty("user.name", "user"));
        LoopbackDemo demo = new LoopbackDemo(out, summary);
        Thread hook = new Thread(() -> {
            System.err.println("demo interrupted: stopping the loopback mesh");
            demo.close();
        }, "demo-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.run(runDir, requests);
        } finally {
            removeHook(hook);
        }
        printSummary(out, summary);
        out.println("  loopback variant: transparent capture, per-pod network namespaces and the underlay capture "
                + "were skipped (they need root)");
        printJson(out, summary);
        return summary.anyFailed() ? 1 : 0;
    }

    private int cannotRun(PrintWriter out, List<String> missing) {
        DemoSummary summary = new DemoSummary("none");
        String why = "the demo needs " + String.join(", ", missing);
        out.println("Trellis demo: cannot run here: " + why);
        out.println("install them (the loopback variant needs curl and python3; the lab also needs root, ip, iptables "
                + "and nsenter)");
        for (String id : List.of("identities", "mtls", "l4_balancing", "canary_split", "retry", "denial", "metrics")) {
            summary.add(new DemoSummary.Step(id, id, DemoSummary.Status.skipped, why, java.util.Map.of()));
        }
        printJson(out, summary);
        return 2;
    }

    private void printSummary(PrintWriter out, DemoSummary summary) {
        out.println("\nsummary:");
        for (DemoSummary.Step s : summary.steps()) {
            out.printf(Locale.ROOT, "  %-8s %s%s%n", s.status(), s.title(),
                    s.status() == DemoSummary.Status.skipped ? " (" + s.detail() + ")" : "");
        }
        out.flush();
    }

    private void printJson(PrintWriter out, DemoSummary summary) {
        if (json) {
            out.println(summary.toJson());
        }
        out.flush();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran, which is what we wanted
        }
    }
}
