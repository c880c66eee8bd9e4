package io.trellis.identity.cli;

import io.trellis.identity.IdentityException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import picocli.CommandLine;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code trellis ca}: the operator's certificate authority commands. {@code init} creates a root
 * CA (or an intermediate signed by one) as PEM files, {@code issue} signs a workload certificate
 * with such a CA. Errors a user can fix end with exit code 1 and a one-line message.
 */
@Command(name = "trellis ca",
        description = "Create a Trellis certificate authority and issue SPIFFE workload certificates as PEM files.")
public final class CaCli implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final PrintWriter err;

    @Spec
    @Nullable CommandSpec spec;

    private CaCli(PrintWriter err) {
        this.err = err;
    }

    /** Entry point used by {@code ./trellis ca ...}. */
    public static void main(String[] args) {
        // Keep library log lines (issuance records) off the operator's terminal; the command prints
        // what it did itself. An explicit -Dlogback.configurationFile still wins.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "io/trellis/identity/cli/logback-cli.xml");
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(Clock.systemUTC(), out, err, args));
    }

    /** Runs the command in-process (tests call this); returns the exit code. */
    public static int run(Clock clock, PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new CaCli(err))
                .addSubcommand("init", new InitCommand(clock, out))
                .addSubcommand("issue", new IssueCommand(clock, out));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((exception, command, parseResult) -> {
            if (exception instanceof IdentityException || exception instanceof IllegalArgumentException
                    || exception instanceof CommandFailedException) {
                err.println("error: " + exception.getMessage());
                err.flush();
                return 1;
            }
            throw exception;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        // `trellis ca` without a subcommand: say what there is, and fail like any usage error.
        InitCommand.requireNonNull(spec).commandLine().usage(err);
        return 2;
    }

    /** A user-fixable failure detected by the CLI itself (e.g. refusing to overwrite a CA key). */
    static final class CommandFailedException extends RuntimeException {
        CommandFailedException(String message) {
            super(message);
        }
    }
}
