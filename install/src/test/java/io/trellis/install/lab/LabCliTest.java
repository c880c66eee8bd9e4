package io.trellis.install.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabCliTest {

    @TempDir
    Path runRoot;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return LabCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void upStatusExecDownRoundTrip() {
        NetnsTestSupport.assumeNetnsAvailable();
        String prefix = NetnsTestSupport.uniquePrefix();
        String[] where = {"--prefix", prefix, "--run-dir", runRoot.toString()};
        try {
            assertThat(run(concat(new String[] {"up", "--nodes", "2", "--pods-per-node", "1"}, where)))
                    .as(err.toString()).isZero();
            assertThat(out.toString()).contains("lab " + prefix + " is up", "b1", "10.241.2.2", "controller YAML: ");
            assertThat(runRoot.resolve(prefix).resolve("controller").resolve("lab.yaml")).exists();

            assertThat(run(concat(new String[] {"status"}, where))).isZero();
            assertThat(out.toString()).contains("namespaces: " + prefix + "-a1 " + prefix + "-b1");

            assertThat(run(concat(new String[] {"exec"}, where, new String[] {"a1", "--", "true"}))).isZero();
            assertThat(run(concat(new String[] {"exec"}, where, new String[] {"a1", "--", "false"}))).isEqualTo(1);
            assertThat(run(concat(new String[] {"exec"}, where, new String[] {"zz", "--", "true"}))).isEqualTo(1);
            assertThat(err.toString()).contains("no pod or node 'zz' in lab " + prefix);
        } finally {
            assertThat(run(concat(new String[] {"down"}, where))).isZero();
        }
        assertThat(out.toString()).contains("lab " + prefix + " removed: 5 namespaces");
        assertThat(run(concat(new String[] {"status"}, where))).isZero();
        assertThat(out.toString()).endsWith("lab " + prefix + ": not running\n");
    }

    @Test
    void badArgumentsAreExplained() {
        assertThat(run("up", "--nodes", "0", "--run-dir", runRoot.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("1..26 nodes");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run()).isEqualTo(2);
        assertThat(out.toString()).contains("up", "down", "status", "exec");
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
