package io.trellis.install.agent;

import java.util.List;

/**
 * What a finished command left: the full argv that ran (including any {@code ip netns exec} or
 * {@code nsenter} wrapper), its exit code and both outputs.
 */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {

    public CommandResult {
        argv = List.copyOf(argv);
    }

    /** True when the command exited with 0. */
    public boolean ok() {
        return exitCode == 0;
    }

    /** The command line as a user would type it, for messages. */
    public String commandLine() {
        return String.join(" ", argv);
    }

    /** One line for an error message: the command, its exit code and its trimmed stderr. */
    public String failureSummary() {
        String err = stderr.strip();
        return "'" + commandLine() + "' exited with " + exitCode + (err.isEmpty() ? "" : ": " + err);
    }
}
