package io.trellis.install.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link CommandRunner}: forks the command, entering the namespace with
 * {@code ip netns exec NAME} for a named namespace and {@code nsenter --net=PATH} for a namespace
 * file, and waits for it with a deadline so a hung command cannot hang the agent.
 */
public final class ProcessCommandRunner implements CommandRunner {

    /** Long enough for iptables waiting on the xtables lock; short enough that a hang is reported. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(ProcessCommandRunner.class);

    private final Duration timeout;

    public ProcessCommandRunner() {
        this(DEFAULT_TIMEOUT);
    }

    public ProcessCommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    /** The argv that runs {@code argv} inside {@code netns} (also used to start long-lived processes). */
    public static List<String> inNetns(Netns netns, List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> full = new ArrayList<>();
        switch (netns) {
            case Netns.Host h -> { }
            case Netns.Named n -> full.addAll(List.of("ip", "netns", "exec", n.name()));
            case Netns.Path p -> full.addAll(List.of("nsenter", "--net=" + p.path(), "--"));
        }
        full.addAll(argv);
        return full;
    }

    @Override
    public CommandResult run(Netns netns, List<String> argv, String stdin) {
        List<String> full = inNetns(netns, argv);
        Process process;
        try {
            process = new ProcessBuilder(full).start();
        } catch (IOException e) {
            throw new CommandException("cannot start '" + String.join(" ", full) + "': " + e.getMessage()
                    + " (is '" + full.getFirst() + "' installed and on PATH?)", e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The command exited without reading its input; its exit code and stderr tell why.
            log.debug("event=stdin_closed command=\"{}\" error=\"{}\"", String.join(" ", full), e.getMessage());
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandException("'" + String.join(" ", full) + "' did not finish within " + timeout
                        + " and was killed");
            }
            CommandResult result = new CommandResult(full, process.exitValue(), out.get(), err.get());
            log.debug("event=command netns=\"{}\" exit={} command=\"{}\"", netns.describe(), result.exitCode(),
                    result.commandLine());
            return result;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running '" + String.join(" ", full) + "'", e);
        } catch (ExecutionException e) {
            throw new CommandException("cannot read the output of '" + String.join(" ", full) + "'", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().name("command-output").start(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
