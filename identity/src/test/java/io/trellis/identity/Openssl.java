package io.trellis.identity;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Runs the real {@code openssl} binary: an independent implementation to check our certificates against (public for the CLI tests). */
public final class Openssl {

    private static final @Nullable Path BINARY = locate();

    private Openssl() {}

    /** Skips the calling test (rather than failing it) on a machine without openssl. */
    public static void assumeAvailable() {
        assumeTrue(BINARY != null, "openssl is not installed");
    }

    /** The exit code and the merged stdout/stderr of one openssl invocation. */
    public record Result(int exitCode, String output) {}

    public static Result run(Path workingDirectory, String... arguments) throws IOException, InterruptedException {
        if (BINARY == null) {
            throw new IllegalStateException("openssl is not installed");
        }
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", arguments) + " did not finish");
        }
        return new Result(process.exitValue(), output);
    }

    /** Runs openssl and fails with its output unless it exits 0. */
    public static String ok(Path workingDirectory, String... arguments) throws IOException, InterruptedException {
        Result result = run(workingDirectory, arguments);
        if (result.exitCode() != 0) {
            throw new AssertionError("openssl " + String.join(" ", arguments) + " exited " + result.exitCode()
                    + ":\n" + result.output());
        }
        return result.output();
    }

    private static @Nullable Path locate() {
        Path standard = Path.of("/usr/bin/openssl");
        if (Files.isExecutable(standard)) {
            return standard;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String directory : path.split(":")) {
                Path candidate = Path.of(directory, "openssl");
                if (!directory.isEmpty() && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
