package io.trellis.proxy.core.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Prometheus' own linter, an independent check of our exposition text, when it is installed. */
final class Promtool {

    record Result(int exitCode, String output) {}

    private Promtool() {}

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "promtool"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code promtool check metrics < file}. */
    static Result checkMetrics(Path exposition) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(exposition.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "promtool timed out");
        }
        return new Result(p.exitValue(), out);
    }
}
