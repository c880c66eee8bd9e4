package io.trellis.ctl;

import picocli.CommandLine.Option;

/** {@code -o table|json|yaml}. */
final class OutputOption {

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default), json or yaml.")
    String format = "table";

    OutputFormat format() throws CtlException {
        try {
            return OutputFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CtlException(e.getMessage());
        }
    }
}
