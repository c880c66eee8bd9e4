package io.trellis.perf.peer;

import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The peer for the L4 pair: two HAProxy processes tunnelling TCP over mutual TLS, as two nodes
 * would. A takes plain TCP and opens TLS 1.3 with a client certificate to B; B requires and
 * verifies client certificates and connects to the target in plain TCP. Certificates come from
 * the same kind of CA as Trellis's (identity's {@link CertificateAuthority}), written as PEM.
 *
 * <p>Both verify the peer's chain against the root; neither checks the SPIFFE URI (HAProxy cannot
 * match URI SANs), which is a little less work than Trellis does. One thread each, like the
 * Trellis proxies in the suite.
 */
public final class HaproxyPair implements AutoCloseable {

    private final ProxyProcesses processes;
    private final InetSocketAddress entry;

    private HaproxyPair(ProxyProcesses processes, InetSocketAddress entry) {
        this.processes = processes;
        this.entry = entry;
    }

    public static HaproxyPair start(Path runDir, InetSocketAddress target) throws PeerException {
        try {
            Files.createDirectories(runDir);
            CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
                    Clock.systemUTC());
            Path caFile = runDir.resolve("ca.pem");
            Files.writeString(caFile, PemFiles.toPem(List.of(ca.root())));
            Path aPem = writeCertAndKey(runDir.resolve("a.pem"),
                    ca.issue(SpiffeId.of("cluster.local", "bench", "client"), Duration.ofHours(12)));
            Path bPem = writeCertAndKey(runDir.resolve("b.pem"),
                    ca.issue(SpiffeId.of("cluster.local", "bench", "server"), Duration.ofHours(12)));
            int entryPort = ProxyProcesses.freePort();
            int tunnelPort = ProxyProcesses.freePort();
            Path aCfg = runDir.resolve("haproxy-a.cfg");
            Path bCfg = runDir.resolve("haproxy-b.cfg");
            Files.writeString(aCfg, PeerConfigs.entry(entryPort, tunnelPort, aPem, caFile));
            Files.writeString(bCfg, PeerConfigs.exit(tunnelPort, bPem, caFile, target));
            ProxyProcesses processes = new ProxyProcesses(runDir);
            try {
                Process b = processes.start("haproxy-b", List.of("haproxy", "-db", "-f", bCfg.toString()));
                processes.awaitListening("haproxy-b", b, new InetSocketAddress("127.0.0.1", tunnelPort),
                        Duration.ofSeconds(10));
                Process a = processes.start("haproxy-a", List.of("haproxy", "-db", "-f", aCfg.toString()));
                InetSocketAddress entry = new InetSocketAddress("127.0.0.1", entryPort);
                processes.awaitListening("haproxy-a", a, entry, Duration.ofSeconds(10));
                return new HaproxyPair(processes, entry);
            } catch (PeerException e) {
                processes.close();
                throw e;
            }
        } catch (IOException e) {
            throw new PeerException("cannot write the HAProxy configuration under " + runDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static Path writeCertAndKey(Path file, WorkloadCertificate certificate) throws IOException {
        Files.writeString(file, PemFiles.toPem(certificate.chain()) + PemFiles.toPem(certificate.privateKey()));
        return file;
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
