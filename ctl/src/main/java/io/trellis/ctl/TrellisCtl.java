package io.trellis.ctl;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code trellisctl}: install, inspect and debug a Trellis mesh.
 * Exit codes: 0 ok, 1 the command failed (message on stderr), 2 bad usage, 3 {@code authz check} denied.
 */
@Command(name = "trellisctl", mixinStandardHelpOptions = true, version = "trellisctl 0.1.0",
        description = "Install, inspect and debug a Trellis mesh.",
        subcommands = {InstallCommand.class, ProxyStatusCommand.class, WorkloadsCommand.class,
                ConfigDumpCommand.class, CertsCommand.class, AuthzCommand.class, WaypointCommand.class})
public final class TrellisCtl {

    private TrellisCtl() {}

    /** A configured command line (tests call {@code execute} on it with their own writers). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TrellisCtl());
        cli.registerConverter(Duration.class, text -> {
            try {
                return Duration.parse(text.startsWith("P") ? text : "PT" + text);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (e.g. 10s, PT1M)");
            }
        });
        return cli;
    }

    public static void main(String[] args) {
        // before the first logger exists: stdout carries the command's output, logs go to stderr (see the file)
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-trellisctl.xml");
        }
        System.exit(commandLine().execute(args));
    }
}
