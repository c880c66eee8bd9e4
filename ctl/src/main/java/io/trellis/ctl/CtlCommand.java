package io.trellis.ctl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of every command: prints to picocli's writers (so tests capture output) and turns errors into exit 1. */
abstract class CtlCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (CtlException e) {
            spec.commandLine().getErr().println("trellisctl " + spec.name() + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    abstract int run() throws CtlException;
}
