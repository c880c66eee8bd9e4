package io.trellis.perf.peer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The peer for the L4 pair on loopback: two HAProxy processes tunnelling TCP over mutual TLS, as two
 * nodes would ({@link HaproxyTunnel} has the setup). One thread each, like the Trellis proxies in the
 * suite.
 */
public final class HaproxyPair implements AutoCloseable {

    private final ProxyProcesses processes;
    private final InetSocketAddress entry;

    private HaproxyPair(ProxyProcesses processes, InetSocketAddress entry) {
        this.processes = processes;
        this.entry = entry;
    }

    public static HaproxyPair start(Path runDir, InetSocketAddress target) throws PeerException {
        int entryPort = ProxyProcesses.freePort();
        InetSocketAddress tunnel = new InetSocketAddress("127.0.0.1", ProxyProcesses.freePort());
        InetSocketAddress entry = new InetSocketAddress("127.0.0.1", entryPort);
        HaproxyTunnel files = HaproxyTunnel.write(runDir, 1, List.of(new HaproxyTunnel.Route(entry, tunnel, tunnel,
                target)));
        ProxyProcesses processes = new ProxyProcesses(runDir);
        try {
            Process b = processes.start("haproxy-b", HaproxyTunnel.command(files.exitConfig()));
            processes.awaitListening("haproxy-b", b, tunnel, Duration.ofSeconds(10));
            Process a = processes.start("haproxy-a", HaproxyTunnel.command(files.entryConfig()));
            processes.awaitListening("haproxy-a", a, entry, Duration.ofSeconds(10));
            return new HaproxyPair(processes, entry);
        } catch (PeerException e) {
            processes.close();
            throw e;
        }
    }

    public InetSocketAddress entry() {
        return entry;
    }

    public List<Long> pids() {
        return processes.pids();
    }

    @Override
    public void close() {
        processes.close();
    }
}
