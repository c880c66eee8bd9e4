package io.trellis.node.inpod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway network namespace ({@code tenp-<random>}) made with iproute2, deleted on close.
 * Tests that use it need root; {@link #assumeAvailable()} skips them otherwise.
 */
final class TestNetns implements AutoCloseable {

    private final String name;

    private TestNetns(String name) {
        this.name = name;
    }

    /** Skips the calling test unless we are root with iproute2 (and python3 for probes). */
    static void assumeAvailable() {
        Assumptions.assumeTrue(isRoot(), "needs root (network namespaces)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip")), "needs iproute2");
        Assumptions.assumeTrue(run(List.of("python3", "-c", "print(1)")).ok(), "needs python3 for probes");
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static boolean hasIptables() {
        return run(List.of("iptables", "--version")).ok();
    }

    static TestNetns create() {
        String name = "tenp-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        run(List.of("ip", "netns", "add", name)).orThrow();
        TestNetns ns = new TestNetns(name);
        try {
            ns.exec("ip", "link", "set", "lo", "up").orThrow();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    String name() {
        return name;
    }

    Path path() {
        return Path.of("/var/run/netns", name);
    }

    /** Runs a command inside the namespace. */
    Result exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return run(full);
    }

    /**
     * Connects to host:port from inside the namespace (or from the root namespace when
     * {@code inside} is false) and returns what the server sent, or {@code REFUSED}.
     */
    String probe(boolean inside, String host, int port) {
        String script = """
                import socket, sys
                try:
                    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
                except ConnectionRefusedError:
                    print("REFUSED"); sys.exit(0)
                data = b""
                s.settimeout(5)
                try:
                    while len(data) < 200:
                        chunk = s.recv(200)
                        if not chunk:
                            break
                        data += chunk
                except socket.timeout:
                    pass
                print("GOT " + data.decode())
                """;
        List<String> cmd = List.of("python3", "-c", script, host, Integer.toString(port));
        Result r = inside ? exec(cmd.toArray(String[]::new)) : run(cmd);
        return r.orThrow().trim();
    }

    long inode() {
        String link = exec("readlink", "/proc/self/ns/net").orThrow().trim();
        return Long.parseLong(link.substring("net:[".length(), link.length() - 1));
    }

    @Override
    public void close() {
        run(List.of("ip", "netns", "del", name));
    }

    record Result(int exit, String output, List<String> command) {
        boolean ok() {
            return exit == 0;
        }

        String orThrow() {
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + exit + ": " + output);
            }
            return output;
        }
    }

    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + " (timed out)", command);
            }
            return new Result(p.exitValue(), out, command);
        } catch (IOException e) {
            return new Result(-1, e.toString(), command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted", command);
        }
    }
}
