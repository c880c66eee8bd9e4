package io.trellis.perf.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Trellis proxy pair ({@code io.trellis.perf.PairProxyMain}) in its own JVM, so its memory and
 * CPU can be read from /proc apart from the load generator's. The child prints
 * {@code entry <port>} once listening and exits when its stdin closes.
 */
public final class ChildJvmPair implements AutoCloseable {

    /** The main class run in the child. */
    public static final String MAIN = "io.trellis.perf.PairProxyMain";

    private final ProxyProcesses processes;
    private final Process process;
    private final InetSocketAddress entry;

    private ChildJvmPair(ProxyProcesses processes, Process process, InetSocketAddress entry) {
        this.processes = processes;
        this.process = process;
        this.entry = entry;
    }

    /**
     * Starts the pair.
     *
     * @param mode {@code hbone} or {@code relay} (see PairProxyMain)
     * @param jvmFlags flags for the child JVM (heap, GC), see perf/README.md
     * @param classpath the child's classpath (see {@link ClasspathSnapshot})
     */
    public static ChildJvmPair start(Path runDir, String mode, InetSocketAddress target, List<String> jvmFlags,
            String classpath) throws PeerException {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new PeerException("cannot create " + runDir + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classpath, MAIN, mode,
                target.getHostString() + ":" + target.getPort()));
        ProxyProcesses processes = new ProxyProcesses(runDir);
        String name = "trellis-" + mode + "-pair";
        Process process = processes.startPiped(name, command);
        try {
            int port = readEntryPort(process, name, runDir);
            return new ChildJvmPair(processes, process, new InetSocketAddress("127.0.0.1", port));
        } catch (PeerException e) {
            processes.close();
            throw e;
        }
    }

    private static int readEntryPort(Process process, String name, Path runDir) throws PeerException {
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        // Logging may also go to stdout (a test's logback config does): skip other lines, and keep
        // draining the pipe afterwards so the child never blocks on a full one.
        CompletableFuture<String> line = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try {
                for (String read; (read = stdout.readLine()) != null; ) {
                    if (read.startsWith("entry ")) {
                        line.complete(read);
                    }
                }
            } catch (IOException e) {
                // The child closed its stdout; handled below through the unfinished future.
            }
            line.complete("");
        });
        String first;
        try {
            first = line.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerException("interrupted while starting " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new PeerException(name + " did not report its entry port within 60 s; see "
                    + runDir.resolve(name + ".log"), e);
        }
        if (!first.startsWith("entry ")) {
            throw new PeerException(name + " failed to start (first line: '" + first + "'); see "
                    + runDir.resolve(name + ".log"));
        }
        return Integer.parseInt(first.substring("entry ".length()).trim());
    }

    public InetSocketAddress entry() {
        return entry;
    }

    public List<Long> pids() {
        return List.of(process.pid());
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            process.waitFor(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            // The child is gone already; close() below reaps it either way.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.close();
    }
}
