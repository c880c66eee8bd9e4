package io.trellis.perf.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one proxy setup (for example HAProxy A and B), started with their output in a
 * log file, stopped together. Knows their pids so their /proc usage can be read.
 */
public final class ProxyProcesses implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final Path runDir;

    ProxyProcesses(Path runDir) {
        this.runDir = runDir;
    }

    /** Starts {@code command} with stdout and stderr in {@code <runDir>/<name>.log}. */
    Process start(String name, List<String> command) throws PeerException {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(runDir.resolve(name + ".log").toFile())
                    .start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new PeerException("cannot start " + name + " (" + command.getFirst() + "): " + e.getMessage()
                    + "; is it installed? (apt-get install -y haproxy nginx)", e);
        }
    }

    /** Starts {@code command} with stderr in {@code <runDir>/<name>.log} and stdout piped to the caller. */
    Process startPiped(String name, List<String> command) throws PeerException {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(runDir.resolve(name + ".log").toFile())
                    .start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new PeerException("cannot start " + name + " (" + command.getFirst() + "): " + e.getMessage(), e);
        }
    }

    /** Waits until {@code address} accepts connections, failing early if the process died. */
    void awaitListening(String name, Process process, InetSocketAddress address, Duration timeout)
            throws PeerException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new PeerException(name + " exited with " + process.exitValue() + " before listening on "
                        + address + "; its log: " + tail(runDir.resolve(name + ".log")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(address, 200);
                return;
            } catch (IOException notYet) {
                try {
                    process.waitFor(20, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PeerException("interrupted while waiting for " + name, e);
                }
            }
        }
        throw new PeerException(name + " did not listen on " + address + " within " + timeout);
    }

    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    public Path runDir() {
        return runDir;
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** A port that was free a moment ago, for configs that need a fixed number (HAProxy, nginx). */
    static int freePort() throws PeerException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new PeerException("no free loopback port: " + e.getMessage(), e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
