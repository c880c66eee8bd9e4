package io.trellis.install.agent;

import java.util.List;

/**
 * Runs an OS command inside a network namespace and waits for it. The seam between Trellis and
 * {@code ip}, {@code iptables} and friends: {@link ProcessCommandRunner} is the real one, tests
 * use a recording fake.
 */
public interface CommandRunner {

    /**
     * Runs {@code argv} inside {@code netns}, feeding {@code stdin} (may be empty) to it.
     *
     * @throws CommandException when the command cannot be started or does not finish in time; a
     *     non-zero exit is not an exception but a result with {@link CommandResult#ok()} false
     */
    CommandResult run(Netns netns, List<String> argv, String stdin);

    /** Runs {@code argv} inside {@code netns} with empty stdin. */
    default CommandResult run(Netns netns, List<String> argv) {
        return run(netns, argv, "");
    }

    /** Runs {@code argv} and fails with a {@link CommandException} naming the command if it exits non-zero. */
    default CommandResult check(Netns netns, List<String> argv) {
        CommandResult result = run(netns, argv);
        if (!result.ok()) {
            throw new CommandException(result.failureSummary());
        }
        return result;
    }
}
