package io.trellis.install.lab;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.CommandRunner;
import io.trellis.install.agent.Netns;
import io.trellis.install.agent.ProcessCommandRunner;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings labs up, finds running ones, reports what exists and tears them down. A lab is known by
 * its prefix: its namespaces are {@code <prefix>-*} and its run directory is
 * {@code <run root>/<prefix>/}.
 */
public final class LabManager {

    /** Where labs keep state and logs unless told otherwise (tmpfs: gone after a reboot, as the namespaces are). */
    public static final Path DEFAULT_RUN_ROOT = Path.of("/run/trellis-lab");

    private static final Logger log = LoggerFactory.getLogger(LabManager.class);

    private final CommandRunner runner;
    private final Path runRoot;

    public LabManager(CommandRunner runner, Path runRoot) {
        this.runner = runner;
        this.runRoot = runRoot;
    }

    /** The real OS and {@link #DEFAULT_RUN_ROOT}. */
    public static LabManager system() {
        return new LabManager(new ProcessCommandRunner(), DEFAULT_RUN_ROOT);
    }

    CommandRunner runner() {
        return runner;
    }

    /**
     * Builds the lab. Fails if anything with the prefix exists already; on a failure half way,
     * removes what it created before rethrowing.
     */
    public Lab up(LabSpec spec) {
        RootCheck.require("building a lab");
        List<String> existing = namespaces(spec.prefix());
        if (!existing.isEmpty()) {
            throw new LabException.AlreadyExists(spec.prefix(), existing);
        }
        LabStateStore store = new LabStateStore(runRoot, spec.prefix());
        // Written first, so a crash while building still leaves a record of what was being built.
        store.write(new LabState(LabState.VERSION, spec.prefix(), Instant.now().toString(), spec, List.of()));
        Lab lab = new Lab(this, store, spec);
        try {
            new TopologyBuilder(runner).build(lab);
        } catch (RuntimeException e) {
            try {
                down(spec.prefix());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new LabException.SetupFailed("building lab " + spec.prefix() + " failed, and what was built is"
                    + " removed again: " + e.getMessage(), e);
        }
        log.info("event=lab_up prefix={} nodes={} pods={} run_dir={}", spec.prefix(), spec.nodes().size(),
                spec.pods().size(), store.dir());
        return lab;
    }

    /** The running lab with this prefix, from its state file, if there is one. */
    public Optional<Lab> attach(String prefix) {
        LabStateStore store = new LabStateStore(runRoot, prefix);
        return store.read().map(state -> new Lab(this, store, state.spec()));
    }

    /** What exists of the lab with this prefix. */
    public LabStatus status(String prefix) {
        LabStateStore store = new LabStateStore(runRoot, prefix);
        Optional<LabState> state = store.read();
        List<LabStatus.ProcessInfo> processes = state.map(s -> s.processes().stream().map(LabManager::describe).toList())
                .orElse(List.of());
        return new LabStatus(prefix, state.map(LabState::spec).orElse(null), namespaces(prefix), hostLinks(prefix),
                processes);
    }

    /**
     * Removes everything of the lab with this prefix, whatever state it is in: recorded processes,
     * any process still inside a lab namespace, the namespaces (and so every link and address in
     * them), host links with the prefix, and the state file. Logs stay in the run directory.
     */
    public TeardownReport down(String prefix) {
        RootCheck.require("tearing a lab down");
        LabStateStore store = new LabStateStore(runRoot, prefix);
        List<String> problems = new ArrayList<>();
        List<Long> stopped = new ArrayList<>();
        store.read().ifPresent(state -> state.processes().forEach(p -> {
            if (stopRecorded(p)) {
                stopped.add(p.pid());
            }
        }));
        List<String> namespaces = namespaces(prefix);
        for (String ns : namespaces) {
            // A process still inside would keep the namespace (and its veths) alive after 'ip netns del'.
            CommandResult pids = runner.run(Netns.host(), List.of("ip", "netns", "pids", ns));
            pids.stdout().lines().map(String::strip).filter(l -> l.matches("\\d+")).map(Long::parseLong)
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(h -> {
                        log.info("event=process_in_lab_netns netns={} pid={} command=\"{}\"", ns, pid,
                                h.info().commandLine().orElse("?"));
                        ProcessStopper.stop(h, ProcessStopper.DEFAULT_GRACE);
                        stopped.add(pid);
                    }));
            CommandResult del = runner.run(Netns.host(), List.of("ip", "netns", "del", ns));
            if (!del.ok()) {
                problems.add(del.failureSummary());
            }
        }
        List<String> links = hostLinks(prefix);
        for (String link : links) {
            CommandResult del = runner.run(Netns.host(), List.of("ip", "link", "del", link));
            // Deleting one end of a veth removes its peer too, so a failure only counts if the link is still there.
            if (!del.ok() && hostLinks(prefix).contains(link)) {
                problems.add(del.failureSummary());
            }
        }
        store.delete();
        LabStatus after = status(prefix);
        if (!problems.isEmpty() || !after.empty()) {
            throw new LabException.SetupFailed("tearing down lab " + prefix + " left " + after.namespaces()
                    + after.hostLinks() + ": " + String.join("; ", problems), null);
        }
        log.info("event=lab_down prefix={} namespaces={} processes={}", prefix, namespaces.size(), stopped.size());
        return new TeardownReport(prefix, namespaces, stopped, links);
    }

    /** Stops a recorded process if it is still the one we started; true if it was running. */
    private static boolean stopRecorded(LabState.ProcessRecord record) {
        Optional<ProcessHandle> handle = ProcessHandle.of(record.pid()).filter(h -> sameStart(h, record))
                .filter(ProcessHandle::isAlive);
        handle.ifPresent(h -> ProcessStopper.stop(h, ProcessStopper.DEFAULT_GRACE));
        return handle.isPresent();
    }

    /** Guards against signalling a pid that was reused by an unrelated process after a crash or reboot. */
    private static boolean sameStart(ProcessHandle handle, LabState.ProcessRecord record) {
        Long recorded = record.startedAtMillis();
        Optional<Instant> actual = handle.info().startInstant();
        return recorded == null || actual.isEmpty() || actual.get().toEpochMilli() == recorded;
    }

    static LabStatus.ProcessInfo describe(LabState.ProcessRecord record) {
        boolean alive = ProcessHandle.of(record.pid()).filter(h -> sameStart(h, record)).map(ProcessHandle::isAlive)
                .orElse(false);
        return new LabStatus.ProcessInfo(record.name(), record.netns(), record.pid(), record.log(), record.command(),
                alive);
    }

    /** Lab namespaces that exist, from {@code ip netns list} ("name" or "name (id: 3)" per line). */
    List<String> namespaces(String prefix) {
        CommandResult list = runner.check(Netns.host(), List.of("ip", "netns", "list"));
        return list.stdout().lines().map(l -> l.strip().split("\\s+")[0])
                .filter(name -> LabNames.owned(prefix, name)).sorted().toList();
    }

    /** Host interfaces named with the prefix; the lab creates none, but an older or interrupted run might have. */
    private List<String> hostLinks(String prefix) {
        CommandResult list = runner.check(Netns.host(), List.of("ip", "-o", "link", "show"));
        return list.stdout().lines()
                .map(l -> l.split(":\\s+", 3))
                .filter(parts -> parts.length >= 2)
                .map(parts -> parts[1].split("@")[0])
                .filter(name -> LabNames.owned(prefix, name))
                .sorted().toList();
    }
}
