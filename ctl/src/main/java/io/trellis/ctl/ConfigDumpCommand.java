package io.trellis.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code trellisctl config-dump <proxy>}: the proxy's {@code /config_dump}. */
@Command(name = "config-dump", mixinStandardHelpOptions = true,
        description = "The configuration a proxy is running with, from its admin port (/config_dump).")
final class ConfigDumpCommand extends CtlCommand {

    @Parameters(index = "0", paramLabel = "PROXY", description = "Admin address host[:port] (port default 15000).")
    String proxy = "";
    @Mixin
    OutputOption output = new OutputOption();

    @Override
    int run() throws CtlException {
        OutputFormat format = output.format();
        // a config dump is a tree: the table form is the indented JSON document
        Output.document(out(), format == OutputFormat.YAML ? OutputFormat.YAML : OutputFormat.JSON,
                AdminClient.get(proxy, "/config_dump"));
        return 0;
    }
}
