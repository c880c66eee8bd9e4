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
 * The files of an HAProxy mTLS TCP tunnel, the peer of the node-proxy pair: a fresh CA (identity's
 * {@link CertificateAuthority}, as Trellis's), a certificate and key for each half, and the two configurations.
 * HAProxy A takes plain TCP and opens TLS 1.3 with its client certificate to B; B requires and verifies client
 * certificates and connects to the target in plain TCP. Both verify the peer's chain against the root; neither checks
 * the SPIFFE URI (HAProxy cannot match URI SANs), a little less work than Trellis does.
 *
 * <p>The loopback suite's {@link HaproxyPair} and the lab benchmark (A in node1's namespace, B in node2's) both write
 * their tunnels here, so the two benchmarks run the same HAProxy setup.
 *
 * @param entryConfig HAProxy A's configuration
 * @param exitConfig HAProxy B's configuration
 */
public record HaproxyTunnel(Path entryConfig, Path exitConfig) {

    /**
     * One TCP route through the tunnel.
     *
     * @param entry where A listens for plain TCP
     * @param tunnel where A connects with TLS (B's address as A sees it)
     * @param tunnelBind where B listens for TLS (the wildcard address, or {@code tunnel} itself)
     * @param target where B forwards in plain TCP
     */
    public record Route(InetSocketAddress entry, InetSocketAddress tunnel, InetSocketAddress tunnelBind,
            InetSocketAddress target) {}

    /**
     * Writes {@code ca.pem}, {@code a.pem}, {@code b.pem} (certificate chain then key), {@code haproxy-a.cfg} and
     * {@code haproxy-b.cfg} into {@code dir}. {@code threads} 0 is HAProxy's default, one thread per CPU.
     */
    public static HaproxyTunnel write(Path dir, int threads, List<Route> routes) throws PeerException {
        if (routes.isEmpty() || threads < 0) {
            throw new IllegalArgumentException("an HAProxy tunnel needs at least one route and threads >= 0, got "
                    + routes.size() + " routes and threads " + threads);
        }
        try {
            Files.createDirectories(dir);
            CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
                    Clock.systemUTC());
            Path caFile = dir.resolve("ca.pem");
            Files.writeString(caFile, PemFiles.toPem(List.of(ca.root())));
            Path aPem = writeCertAndKey(dir.resolve("a.pem"),
                    ca.issue(SpiffeId.of("cluster.local", "bench", "client"), Duration.ofHours(12)));
            Path bPem = writeCertAndKey(dir.resolve("b.pem"),
                    ca.issue(SpiffeId.of("cluster.local", "bench", "server"), Duration.ofHours(12)));
            Path aCfg = dir.resolve("haproxy-a.cfg");
            Path bCfg = dir.resolve("haproxy-b.cfg");
            Files.writeString(aCfg, PeerConfigs.entry(threads, routes, aPem, caFile));
            Files.writeString(bCfg, PeerConfigs.exit(threads, routes, bPem, caFile));
            return new HaproxyTunnel(aCfg, bCfg);
        } catch (IOException e) {
            throw new PeerException("cannot write the HAProxy tunnel's files under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code haproxy -db -f <config>}: in the foreground, logging to stderr only. */
    public static List<String> command(Path config) {
        return List.of("haproxy", "-db", "-f", config.toString());
    }

    private static Path writeCertAndKey(Path file, WorkloadCertificate certificate) throws IOException {
        Files.writeString(file, PemFiles.toPem(certificate.chain()) + PemFiles.toPem(certificate.privateKey()));
        return file;
    }
}
