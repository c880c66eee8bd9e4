package io.trellis.ctl;

import picocli.CommandLine.Command;

/** {@code trellisctl waypoint ...}. */
@Command(name = "waypoint", mixinStandardHelpOptions = true, subcommands = WaypointApplyCommand.class,
        description = "Waypoint (L7 proxy) tools.")
final class WaypointCommand {
}
