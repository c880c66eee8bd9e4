package io.trellis.install.lab;

import static io.trellis.install.lab.NetnsTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.install.agent.CaptureConfig;
import io.trellis.install.agent.CaptureRules;
import io.trellis.install.agent.CaptureStatus;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.IpFamily;
import io.trellis.install.agent.IptablesBackend;
import io.trellis.install.agent.ProcessCommandRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture rules in a real pod namespace: outbound TCP lands on :15001 inside the pod, inbound
 * on :15006, HBONE and health probes pass, the proxy's marked sockets and loopback bypass capture,
 * and a transparent (client-address-keeping) connection from the proxy to the app gets its replies.
 * Listeners answer with the port that accepted the connection and its SO_ORIGINAL_DST.
 */
class CaptureInLabTest {

    @TempDir
    static Path runRoot;

    private static LabManager manager;
    private static Lab lab;
    private static Path client;
    private static Path transparentClient;
    private static CaptureRules rules;

    @BeforeAll
    static void up() {
        NetnsTestSupport.assumeNetnsAvailable();
        manager = new LabManager(new ProcessCommandRunner(), runRoot);
        LabSpec spec = new LabSpec(NetnsTestSupport.uniquePrefix(),
                List.of(new LabSpec.NodeSpec("node1"), new LabSpec.NodeSpec("node2")),
                List.of(pod("a1", "node1"), pod("a2", "node1"), pod("b1", "node2")), List.of());
        lab = manager.up(spec);
        Path listener = NetnsTestSupport.script(runRoot, "tag_listener.py");
        client = NetnsTestSupport.script(runRoot, "line_client.py");
        transparentClient = NetnsTestSupport.script(runRoot, "transparent_client.py");
        LabPod a1 = lab.pod("a1");
        listen(lab.pod("b1"), 8080, "app-b1", listener);
        listen(a1, 8080, "app-a1", listener);
        listen(a1, 15001, "proxy-outbound", listener);
        listen(a1, 15006, "proxy-inbound", listener);
        listen(a1, 15008, "proxy-hbone", listener);
        listen(lab.pod("a2"), 8080, "app-a2", listener);
        rules = new CaptureRules(new ProcessCommandRunner(), a1.captureConfig());
        rules.install(a1.netns());
    }

    @AfterAll
    static void down() {
        if (manager != null && lab != null) {
            manager.down(lab.prefix());
            assertThat(manager.status(lab.prefix()).empty()).isTrue();
        }
    }

    private static LabSpec.PodSpec pod(String name, String node) {
        return new LabSpec.PodSpec(name, "default", name, Map.of("app", name), node);
    }

    private static void listen(LabPod pod, int port, String tag, Path script) {
        NetnsTestSupport.awaitListening(pod.start(tag + "-" + pod.name(),
                List.of("python3", "-u", script.toString(), String.valueOf(port), tag)));
    }

    private static String connect(LabPod from, String host, int port, String... mark) {
        String[] argv = new String[4 + mark.length];
        argv[0] = "python3";
        argv[1] = client.toString();
        argv[2] = host;
        argv[3] = String.valueOf(port);
        System.arraycopy(mark, 0, argv, 4, mark.length);
        return ok(from.exec(argv)).strip();
    }

    @Test
    void outboundTcpFromThePodArrivesAtTheOutboundListenerInsideThePod() {
        LabPod a1 = lab.pod("a1");
        LabPod b1 = lab.pod("b1");

        assertThat(connect(a1, b1.ip(), 8080))
                .isEqualTo("proxy-outbound port=15001 original=" + b1.ip() + ":8080 peer=" + a1.ip());
    }

    @Test
    void theProxysMarkedSocketsBypassCaptureAndKeepThePodsAddress() {
        LabPod a1 = lab.pod("a1");

        String answer = connect(a1, lab.pod("b1").ip(), 8080, "0x539");

        assertThat(answer).startsWith("app-b1 port=8080").endsWith("peer=" + a1.ip());
    }

    @Test
    void loopbackAndThePodsOwnAddressAreNotCaptured() {
        LabPod a1 = lab.pod("a1");

        assertThat(connect(a1, "127.0.0.1", 8080)).startsWith("app-a1 port=8080");
        assertThat(connect(a1, a1.ip(), 8080)).startsWith("app-a1 port=8080");
    }

    @Test
    void inboundTcpArrivesAtTheInboundListenerWithItsOriginalDestination() {
        LabPod a1 = lab.pod("a1");
        LabPod b1 = lab.pod("b1");

        assertThat(connect(b1, a1.ip(), 8080))
                .isEqualTo("proxy-inbound port=15006 original=" + a1.ip() + ":8080 peer=" + b1.ip());
    }

    @Test
    void hboneIsDeliveredToTheHboneListenerAsItIs() {
        assertThat(connect(lab.pod("b1"), lab.pod("a1").ip(), 15008)).startsWith("proxy-hbone port=15008");
    }

    @Test
    void healthProbesFromTheNodeReachTheAppDirectly() {
        LabPod a1 = lab.pod("a1");
        CommandResult probe = lab.node("node1").exec("python3", client.toString(), a1.ip(), "8080");

        assertThat(ok(probe).strip()).startsWith("app-a1 port=8080").endsWith("peer=" + a1.node().gatewayIp());
    }

    @Test
    void theProxyCanKeepAClientsAddressTowardTheApp() {
        LabPod a1 = lab.pod("a1");
        String client = lab.pod("b1").ip();

        // As the node-proxy's inbound path does with IP_TRANSPARENT: a socket in a1, bound to b1's
        // address, connecting to a1's app. The app's replies must come back to that socket.
        String answer = ok(a1.exec("python3", transparentClient.toString(), client, a1.ip(), "8080", "10")).strip();

        assertThat(answer).startsWith("app-a1 port=8080").endsWith("peer=" + client);
    }

    @Test
    void withoutTheRulesATransparentConnectionsRepliesLeaveThePod() {
        LabPod a2 = lab.pod("a2");

        // a2 has no capture rules: the app's SYN-ACK goes out to b1, which never sent the SYN.
        CommandResult attempt = a2.exec("python3", transparentClient.toString(), lab.pod("b1").ip(), a2.ip(), "8080", "2");

        assertThat(attempt.ok()).isFalse();
        assertThat(attempt.stderr()).contains("timed out");
    }

    @Test
    void otherPodsWithoutRulesAreUntouched() {
        assertThat(connect(lab.pod("a2"), lab.pod("b1").ip(), 8080)).startsWith("app-b1 port=8080");
    }

    @Test
    void installIsIdempotentAndUninstallRestoresTheNamespaceInBothBackendsAndFamilies() {
        LabPod a2 = lab.pod("a2");
        for (IptablesBackend backend : IptablesBackend.values()) {
            // An IPv6 probe source too, so ip6tables' own way of printing addresses is checked.
            CaptureRules only = new CaptureRules(new ProcessCommandRunner(),
                    CaptureConfig.defaults(List.of(a2.node().gatewayIp(), "fd00:241:1:0:0:0:0:1")), List.of(backend));
            String pristine = dump(a2, backend);

            assertThat(only.install(a2.netns())).isEqualTo(Map.of(IpFamily.IPV4, backend, IpFamily.IPV6, backend));
            String once = dump(a2, backend);
            CaptureStatus status = only.status(a2.netns());
            assertThat(status.complete()).as(backend + ": " + status.listing()).isTrue();
            assertThat(status.listing()).contains("ipv6 nat: -A TRELLIS_PREROUTING -s fd00:241:1::1/128 -p tcp -j RETURN");
            // Captured, and nothing listens on :15001 in a2: the connection is refused inside the pod.
            assertThat(a2.exec("python3", client.toString(), lab.pod("b1").ip(), "8080").ok()).isFalse();

            only.install(a2.netns());
            assertThat(dump(a2, backend)).isEqualTo(once);

            only.uninstall(a2.netns());
            assertThat(dump(a2, backend)).isEqualTo(pristine);
            assertThat(only.status(a2.netns()).absent()).isTrue();
            assertThat(connect(a2, lab.pod("b1").ip(), 8080)).startsWith("app-b1 port=8080");
        }
    }

    /** The rules of the tables the capture uses, as that backend lists them, for both families. */
    private static String dump(LabPod pod, IptablesBackend backend) {
        StringBuilder out = new StringBuilder();
        for (IpFamily family : IpFamily.values()) {
            for (String table : List.of("nat", "mangle")) {
                out.append(ok(pod.exec(backend.binary(family), "-w", "-t", table, "-S")));
            }
            String ip = family == IpFamily.IPV4 ? "-4" : "-6";
            out.append(ok(pod.exec("ip", ip, "rule", "show")));
            // An empty table may be reported as missing: only the output matters here.
            out.append(pod.exec("ip", ip, "route", "show", "table", "1337").stdout());
        }
        return out.toString();
    }
}
