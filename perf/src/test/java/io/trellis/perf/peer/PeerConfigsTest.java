package io.trellis.perf.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The peers are configured to do what the Trellis pair does: mTLS with verified client certificates. */
class PeerConfigsTest {

    private static final HaproxyTunnel.Route LOOPBACK = new HaproxyTunnel.Route(
            new InetSocketAddress("127.0.0.1", 1000), new InetSocketAddress("127.0.0.1", 2000),
            new InetSocketAddress("127.0.0.1", 2000), new InetSocketAddress("127.0.0.1", 3000));

    @Test
    void haproxyAPresentsAClientCertificateAndVerifiesB() {
        String a = PeerConfigs.entry(1, List.of(LOOPBACK), Path.of("/run/a.pem"), Path.of("/run/ca.pem"));
        assertThat(a).contains("bind 127.0.0.1:1000", "mode tcp", "nbthread 1",
                "server b 127.0.0.1:2000 ssl crt /run/a.pem ca-file /run/ca.pem verify required",
                "ssl-min-ver TLSv1.3");
    }

    @Test
    void haproxyBRequiresClientCertificatesAndForwardsPlainTcp() {
        String b = PeerConfigs.exit(1, List.of(LOOPBACK), Path.of("/run/b.pem"), Path.of("/run/ca.pem"));
        assertThat(b).contains("bind 127.0.0.1:2000 ssl crt /run/b.pem ca-file /run/ca.pem verify required",
                "server app 127.0.0.1:3000");
    }

    @Test
    void betweenTwoNodesBListensOnEveryAddressWhileAConnectsToTheNodesAddress() {
        // the lab: A in node1 reached by pods at the node's gateway address, B in node2 on the underlay
        HaproxyTunnel.Route http = new HaproxyTunnel.Route(new InetSocketAddress("0.0.0.0", 18093),
                new InetSocketAddress("10.0.0.2", 18094), new InetSocketAddress("0.0.0.0", 18094),
                new InetSocketAddress("10.2.0.12", 18090));
        HaproxyTunnel.Route bulk = new HaproxyTunnel.Route(new InetSocketAddress("0.0.0.0", 18095),
                new InetSocketAddress("10.0.0.2", 18096), new InetSocketAddress("0.0.0.0", 18096),
                new InetSocketAddress("10.2.0.12", 18092));

        String a = PeerConfigs.entry(0, List.of(http, bulk), Path.of("/a.pem"), Path.of("/ca.pem"));
        String b = PeerConfigs.exit(0, List.of(http, bulk), Path.of("/b.pem"), Path.of("/ca.pem"));

        assertThat(a).doesNotContain("nbthread")
                .contains("frontend entry0\n    bind 0.0.0.0:18093\n    default_backend tunnel0\n")
                .contains("backend tunnel0\n    server b 10.0.0.2:18094 ssl crt /a.pem ca-file /ca.pem verify required")
                .contains("frontend entry1\n    bind 0.0.0.0:18095\n    default_backend tunnel1\n")
                .contains("backend tunnel1\n    server b 10.0.0.2:18096 ssl");
        assertThat(b).doesNotContain("nbthread")
                .contains("frontend tunnel0\n    bind 0.0.0.0:18094 ssl crt /b.pem ca-file /ca.pem verify required\n"
                        + "    default_backend app0\n")
                .contains("backend app0\n    server app 10.2.0.12:18090\n")
                .contains("frontend tunnel1\n    bind 0.0.0.0:18096 ssl")
                .contains("backend app1\n    server app 10.2.0.12:18092\n");
    }

    @Test
    void nginxKeepsUpstreamConnectionsAlive() {
        String conf = PeerConfigs.nginx(Path.of("/tmp/x"), 4000, new InetSocketAddress("127.0.0.1", 3000));
        assertThat(conf).contains("listen 127.0.0.1:4000", "server 127.0.0.1:3000", "keepalive 128",
                "proxy_http_version 1.1", "proxy_set_header Connection \"\"", "master_process off",
                "keepalive_requests 1000000000;");
    }
}
