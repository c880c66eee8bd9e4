package io.trellis.ctl;

import picocli.CommandLine.Command;

/** {@code trellisctl authz ...}. */
@Command(name = "authz", mixinStandardHelpOptions = true, subcommands = AuthzCheckCommand.class,
        description = "Authorization policy tools.")
final class AuthzCommand {
}
