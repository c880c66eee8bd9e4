package io.trellis.install.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus alert rules ({@code install/prometheus/trellis-alerts.yaml}) checked and unit-tested by
 * {@code promtool} (Debian package {@code prometheus}, installed by {@code .ci/run}); skipped where it is missing.
 */
class AlertRulesTest {

    private static final Path DIR = Path.of("prometheus");

    @Test
    void rulesAreValid() throws Exception {
        assumeTrue(onPath("promtool"), "promtool is not installed (Debian package 'prometheus')");
        String out = promtool("check", "rules", "trellis-alerts.yaml");
        assertThat(out).contains("SUCCESS: 5 rules found");
    }

    @Test
    void rulesFireAsTheirUnitTestsExpect() throws Exception {
        assumeTrue(onPath("promtool"), "promtool is not installed (Debian package 'prometheus')");
        String out = promtool("test", "rules", "trellis-alerts-test.yaml");
        assertThat(out).contains("SUCCESS");
    }

    /** Runs promtool in the rules' directory; fails the test with its output unless it exits 0. */
    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(done).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + text).isZero();
        return text;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
