package io.trellis.perf.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The peers are configured to do what the Trellis pair does: mTLS with verified client certificates. */
class PeerConfigsTest {

    @Test
    void haproxyAPresentsAClientCertificateAndVerifiesB() {
        String a = PeerConfigs.entry(1000, 2000, Path.of("/run/a.pem"), Path.of("/run/ca.pem"));
        assertThat(a).contains("bind 127.0.0.1:1000", "mode tcp", "nbthread 1",
                "server b 127.0.0.1:2000 ssl crt /run/a.pem ca-file /run/ca.pem verify required",
                "ssl-min-ver TLSv1.3");
    }

    @Test
    void haproxyBRequiresClientCertificatesAndForwardsPlainTcp() {
        String b = PeerConfigs.exit(2000, Path.of("/run/b.pem"), Path.of("/run/ca.pem"),
                new InetSocketAddress("127.0.0.1", 3000));
        assertThat(b).contains("bind 127.0.0.1:2000 ssl crt /run/b.pem ca-file /run/ca.pem verify required",
                "server app 127.0.0.1:3000");
    }

    @Test
    void nginxKeepsUpstreamConnectionsAlive() {
        String conf = PeerConfigs.nginx(Path.of("/tmp/x"), 4000, new InetSocketAddress("127.0.0.1", 3000));
        assertThat(conf).contains("listen 127.0.0.1:4000", "server 127.0.0.1:3000", "keepalive 128",
                "proxy_http_version 1.1", "proxy_set_header Connection \"\"", "master_process off",
                "keepalive_requests 1000000000;");
    }
}
