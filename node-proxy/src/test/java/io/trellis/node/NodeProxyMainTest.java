package io.trellis.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The node-proxy's command line: the loopback mode's and the controller TLS options' validation and defaults. */
class NodeProxyMainTest {

    private static NodeProxySettings settings(String... args) throws Exception {
        NodeProxyMain main = new NodeProxyMain();
        CommandLine cli = new CommandLine(main);
        cli.registerConverter(Duration.class, Duration::parse);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.parseArgs(args);
        return main.settings();
    }

    @Test
    void loopbackModeServesOnLoopbackOnly() throws Exception {
        NodeProxySettings s = settings("--node-name", "n1", "--mode", "loopback", "--monitoring-address", "127.9.0.2");
        assertThat(s.mode()).isEqualTo(NodeMode.LOOPBACK);
        assertThat(s.monitoringAddress().getHostAddress()).isEqualTo("127.9.0.2");
        assertThat(s.workloadSocks5Port()).isEqualTo(15080);
        // the any-address default becomes loopback rather than exposing the node's ports
        assertThat(settings("--node-name", "n1", "--mode", "LOOPBACK").monitoringAddress().isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> settings("--node-name", "n1", "--mode", "loopback", "--monitoring-address", "10.0.0.2"))
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> settings("--node-name", "n1", "--socks5-address", "10.0.0.2"))
                .hasMessageContaining("--socks5-address");
        assertThat(settings("--node-name", "n1").mode()).isEqualTo(NodeMode.INPOD);
    }

    @Test
    void controllerTlsNeedsARootCertificateAndAnIdentityInTheTrustDomain(@TempDir Path dir) throws Exception {
        NodeProxySettings plain = settings("--node-name", "n1");
        assertThat(plain.controllerRootCert()).isNull();
        assertThat(plain.controllerIdentity().toString())
                .isEqualTo("spiffe://cluster.local/ns/trellis-system/sa/trellis-controller");

        Path root = dir.resolve("root-cert.pem");
        Files.writeString(root, PemFiles.toPem(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
                Clock.systemUTC()).trustBundle().roots()));
        NodeProxySettings tls = settings("--node-name", "n1", "--controller", "ctl.example:15012",
                "--controller-root-cert", root.toString(), "--controller-identity",
                "spiffe://cluster.local/ns/mesh/sa/trellis-controller");
        assertThat(tls.controllerRootCert()).isEqualTo(root);
        assertThat(tls.controllerIdentity().toString()).isEqualTo("spiffe://cluster.local/ns/mesh/sa/trellis-controller");

        assertThatThrownBy(() -> settings("--node-name", "n1", "--controller-root-cert", dir.resolve("none.pem")
                .toString())).hasMessageContaining("--controller-root-cert");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        assertThatThrownBy(() -> settings("--node-name", "n1", "--controller-root-cert", empty.toString()))
                .hasMessageContaining("--controller-root-cert");
        assertThatThrownBy(() -> settings("--node-name", "n1", "--controller-identity",
                "spiffe://other.domain/ns/x/sa/y")).hasMessageContaining("trust domain");
    }
}
