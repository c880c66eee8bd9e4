package io.trellis.perf.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The L7 peer: one nginx process reverse-proxying HTTP/1.1 to the target with upstream keep-alive. */
public final class NginxProxy implements AutoCloseable {

    private final ProxyProcesses processes;
    private final InetSocketAddress entry;

    private NginxProxy(ProxyProcesses processes, InetSocketAddress entry) {
        this.processes = processes;
        this.entry = entry;
    }

    public static NginxProxy start(Path runDir, InetSocketAddress target) throws PeerException {
        try {
            Path prefix = runDir.toAbsolutePath();
            Files.createDirectories(prefix);
            int port = ProxyProcesses.freePort();
            Path conf = prefix.resolve("nginx.conf");
            Files.writeString(conf, PeerConfigs.nginx(prefix, port, target));
            ProxyProcesses processes = new ProxyProcesses(prefix);
            try {
                Process nginx = processes.start("nginx",
                        List.of("nginx", "-p", prefix.toString(), "-c", conf.toString()));
                InetSocketAddress entry = new InetSocketAddress("127.0.0.1", port);
                processes.awaitListening("nginx", nginx, entry, Duration.ofSeconds(10));
                return new NginxProxy(processes, entry);
            } catch (PeerException e) {
                processes.close();
                throw e;
            }
        } catch (IOException e) {
            throw new PeerException("cannot write the nginx configuration under " + runDir + ": " + e.getMessage(), e);
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
