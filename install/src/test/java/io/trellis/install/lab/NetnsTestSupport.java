package io.trellis.install.lab;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.Netns;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/** Shared by the network-namespace tests: the root/tooling assumption, unique prefixes, helper scripts. */
final class NetnsTestSupport {

    static final Duration WAIT = Duration.ofSeconds(20);

    private static final SecureRandom RANDOM = new SecureRandom();

    private NetnsTestSupport() {}

    /** Skips the test unless we are root and {@code ip netns} works (the tests create namespaces). */
    static void assumeNetnsAvailable() {
        assumeTrue(RootCheck.isRoot(), "network-namespace tests need root");
        boolean ipWorks;
        try {
            ipWorks = new ProcessCommandRunner().run(Netns.host(), List.of("ip", "netns", "list")).ok();
        } catch (RuntimeException e) {
            ipWorks = false;
        }
        assumeTrue(ipWorks, "network-namespace tests need 'ip netns' (package iproute2)");
    }

    /** A prefix no other test run uses, so parallel runs never touch each other's namespaces. */
    static String uniquePrefix() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder("trlt-");
        for (int i = 0; i < 6; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** Copies a helper script from the test resources to {@code dir} and returns its path. */
    static Path script(Path dir, String name) {
        try (InputStream in = NetnsTestSupport.class.getResourceAsStream("/netns/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /netns/" + name);
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until a started listener has printed its "listening" line. */
    static void awaitListening(LabProcess process) {
        Await.until(process + " listening", WAIT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(process + " exited: " + process.log());
            }
            return process.log().contains("listening");
        });
    }

    /** Output of a command that must succeed; fails with its stderr otherwise. */
    static String ok(CommandResult result) {
        if (!result.ok()) {
            throw new AssertionError(result.failureSummary() + "\nstdout: " + result.stdout());
        }
        return result.stdout();
    }
}
