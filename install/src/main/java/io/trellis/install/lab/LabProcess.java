package io.trellis.install.lab;

import io.trellis.install.agent.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A process running inside a lab namespace (a controller, a node-proxy, an HTTP server), with
 * its output in a log file. Survives the JVM that started it; teardown stops it.
 */
public final class LabProcess {

    private final String name;
    private final Netns.Named netns;
    private final ProcessHandle handle;
    private final Path log;
    private final List<String> command;
    private final Consumer<LabProcess> onStop;

    LabProcess(String name, Netns.Named netns, ProcessHandle handle, Path log, List<String> command,
            Consumer<LabProcess> onStop) {
        this.name = name;
        this.netns = netns;
        this.handle = handle;
        this.log = log;
        this.command = List.copyOf(command);
        this.onStop = onStop;
    }

    public String name() {
        return name;
    }

    public Netns.Named netns() {
        return netns;
    }

    public long pid() {
        return handle.pid();
    }

    public Path logFile() {
        return log;
    }

    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /** Everything the process wrote to stdout and stderr so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}; forgets it in the state file. */
    public void stop(Duration grace) {
        ProcessStopper.stop(handle, grace);
        onStop.accept(this);
    }

    /** {@link #stop(Duration)} with {@link ProcessStopper#DEFAULT_GRACE}. */
    public void stop() {
        stop(ProcessStopper.DEFAULT_GRACE);
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + " in " + netns.name() + ")";
    }
}
