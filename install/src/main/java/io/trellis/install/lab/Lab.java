package io.trellis.install.lab;

import io.trellis.install.agent.CommandRunner;
import io.trellis.install.agent.Netns;
import io.trellis.install.agent.ProcessCommandRunner;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running lab: handles for its nodes, pods and services, and the processes started in it.
 * Obtained from {@link LabManager#up} or {@link LabManager#attach}; {@link #close()} tears it down.
 *
 * <p>One {@code Lab} object per lab and process should start processes: two objects for the same
 * lab (say, two JVMs that both attached) rewrite the same state file and may lose each other's
 * process records (teardown still finds those processes through their namespaces).
 */
public final class Lab implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lab.class);
    private static final Pattern PROCESS_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final LabManager manager;
    private final LabStateStore store;
    private final LabSpec spec;
    private final Map<String, LabNode> nodes = new LinkedHashMap<>();
    private final Map<String, LabPod> pods = new LinkedHashMap<>();
    private final List<LabService> services = new ArrayList<>();

    Lab(LabManager manager, LabStateStore store, LabSpec spec) {
        this.manager = manager;
        this.store = store;
        this.spec = spec;
        int nodeIndex = 1;
        for (LabSpec.NodeSpec node : spec.nodes()) {
            LabNode handle = new LabNode(this, node.name(), nodeIndex++);
            nodes.put(node.name(), handle);
            int podIndex = 1;
            for (LabSpec.PodSpec pod : spec.podsOn(node.name())) {
                pods.put(pod.name(), new LabPod(this, pod, handle, podIndex++));
            }
        }
        int serviceIndex = 1;
        for (LabSpec.ServiceSpec s : spec.services()) {
            services.add(new LabService(s.name(), s.namespace(), AddressPlan.serviceIp(serviceIndex++), s.selector(),
                    s.ports(), s.labels()));
        }
    }

    public String prefix() {
        return spec.prefix();
    }

    public LabSpec spec() {
        return spec;
    }

    /** The namespace holding the underlay bridge ({@code br0}): capture here to see what crosses between nodes. */
    public Netns.Named underlay() {
        return Netns.named(LabNames.underlay(prefix()));
    }

    /** The bridge joining the nodes, inside {@link #underlay()}. */
    public String underlayBridge() {
        return LabNames.BRIDGE;
    }

    public List<LabNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public List<LabPod> pods() {
        return List.copyOf(pods.values());
    }

    public List<LabService> services() {
        return List.copyOf(services);
    }

    public LabNode node(String name) {
        LabNode node = nodes.get(name);
        if (node == null) {
            throw new LabException.NotFound("no node '" + name + "' in lab " + prefix() + " (nodes: " + nodes.keySet() + ")");
        }
        return node;
    }

    public LabPod pod(String name) {
        LabPod pod = pods.get(name);
        if (pod == null) {
            throw new LabException.NotFound("no pod '" + name + "' in lab " + prefix() + " (pods: " + pods.keySet() + ")");
        }
        return pod;
    }

    /** This lab's run directory: {@code state.json}, {@code logs/}, and generated YAML. */
    public Path runDir() {
        return store.dir();
    }

    /** Writes the controller's view of the lab (Namespaces, Nodes, Pods, Services) to {@code file}. */
    public Path writeManifests(Path file) {
        return new LabManifestWriter().write(this, file);
    }

    /**
     * Starts {@code command} inside {@code netns} (a lab namespace), output appended to
     * {@code logs/<name>.log}, and records it so teardown stops it even after a crash.
     */
    public LabProcess start(String name, Netns.Named netns, List<String> command) {
        return start(name, netns, command, Map.of());
    }

    /** As {@link #start(String, Netns.Named, List)} with extra environment variables for the process. */
    public synchronized LabProcess start(String name, Netns.Named netns, List<String> command,
            Map<String, String> environment) {
        if (!PROCESS_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("process name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        if (!LabNames.owned(prefix(), netns.name())) {
            throw new IllegalArgumentException(netns.describe() + " is not part of lab " + prefix());
        }
        Path logFile = runDir().resolve("logs").resolve(name + ".log");
        List<String> argv = ProcessCommandRunner.inNetns(netns, command);
        Process process;
        try {
            Files.createDirectories(logFile.getParent());
            ProcessBuilder builder = new ProcessBuilder(argv);
            builder.environment().putAll(environment);
            process = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new LabException.SetupFailed("cannot start " + name + " (" + String.join(" ", argv) + "): "
                    + e.getMessage(), e);
        }
        ProcessHandle handle = process.toHandle();
        Long startedAt = handle.info().startInstant().map(i -> i.toEpochMilli()).orElse(null);
        LabState state = currentState();
        store.write(state.withProcess(new LabState.ProcessRecord(name, netns.name(), handle.pid(), startedAt,
                logFile.toString(), command)));
        log.info("event=process_started lab={} name={} netns={} pid={} log={}", prefix(), name, netns.name(),
                handle.pid(), logFile);
        return new LabProcess(name, netns, handle, logFile, command, this::forget);
    }

    /** Processes recorded in the state file (started by this or an earlier JVM), with their liveness. */
    public synchronized List<LabStatus.ProcessInfo> recordedProcesses() {
        return currentState().processes().stream().map(LabManager::describe).toList();
    }

    private synchronized void forget(LabProcess process) {
        // After teardown there is no state file and nothing left to forget.
        store.read().ifPresent(state -> store.write(state.withoutProcess(process.pid())));
    }

    private LabState currentState() {
        return store.read().orElseThrow(() -> new LabException.NotFound("the state file " + store.file()
                + " of lab " + prefix() + " is gone: was the lab torn down?"));
    }

    CommandRunner runner() {
        return manager.runner();
    }

    /** Tears the whole lab down: processes, namespaces, state file. */
    @Override
    public void close() {
        manager.down(prefix());
    }
}
