package io.trellis.perf.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.identity.PemFiles;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tunnel's files: both halves' certificates chain to the CA file their configurations name. */
class HaproxyTunnelTest {

    @TempDir
    Path dir;

    @Test
    void writesACaTwoCertificatesSignedByItAndBothConfigurations() throws Exception {
        HaproxyTunnel.Route route = new HaproxyTunnel.Route(new InetSocketAddress("127.0.0.1", 1000),
                new InetSocketAddress("127.0.0.1", 2000), new InetSocketAddress("127.0.0.1", 2000),
                new InetSocketAddress("127.0.0.1", 3000));

        HaproxyTunnel tunnel = HaproxyTunnel.write(dir, 2, List.of(route));

        X509Certificate root = PemFiles.readCertificates(dir.resolve("ca.pem")).getFirst();
        for (String half : List.of("a.pem", "b.pem")) {
            // HAProxy's crt file: the chain, then the key
            String pem = Files.readString(dir.resolve(half));
            int key = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            assertThat(key).isPositive();
            X509Certificate leaf = PemFiles.parseCertificates(pem.substring(0, key), half).getFirst();
            leaf.verify(root.getPublicKey());
            assertThat(PemFiles.parsePrivateKey(pem.substring(key), half).getAlgorithm())
                    .isEqualTo(leaf.getPublicKey().getAlgorithm());
        }
        assertThat(Files.readString(tunnel.entryConfig())).contains("nbthread 2",
                "ssl crt " + dir.resolve("a.pem") + " ca-file " + dir.resolve("ca.pem") + " verify required");
        assertThat(Files.readString(tunnel.exitConfig())).contains(
                "bind 127.0.0.1:2000 ssl crt " + dir.resolve("b.pem") + " ca-file " + dir.resolve("ca.pem"));
        assertThat(HaproxyTunnel.command(tunnel.exitConfig())).containsExactly("haproxy", "-db", "-f",
                tunnel.exitConfig().toString());
    }

    @Test
    void refusesATunnelWithoutRoutes() {
        assertThatThrownBy(() -> HaproxyTunnel.write(dir, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one route");
    }
}
