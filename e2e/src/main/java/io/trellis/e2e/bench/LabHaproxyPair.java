package io.trellis.e2e.bench;

import io.trellis.install.lab.Lab;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabProcess;
import io.trellis.perf.peer.HaproxyTunnel;
import io.trellis.perf.peer.PeerException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The L4 peer of the node-proxy pair in the lab: HAProxy (the distribution's package) in node1's namespace takes
 * plain TCP from the pods and opens TLS 1.3 with a client certificate to HAProxy in node2's namespace, which requires
 * and verifies it and forwards to the destination pod; both sit where the node-proxies do. The configuration,
 * certificates and CA are perf's {@link HaproxyTunnel}, the loopback suite's {@code haproxy-pair}; here each half runs
 * HAProxy's default thread count (one per CPU), as each node-proxy runs one event loop per CPU. One route carries the
 * HTTP load to b2's target, a second the throughput transfers to b2's sink.
 */
final class LabHaproxyPair {

    static final String ENTRY = "haproxy-node1";
    static final String EXIT = "haproxy-node2";

    private final LabProcess entry;
    private final LabProcess exit;
    private final String entryHost;

    private LabHaproxyPair(LabProcess entry, LabProcess exit, String entryHost) {
        this.entry = entry;
        this.exit = exit;
        this.entryHost = entryHost;
    }

    /**
     * Writes the tunnel's files under the lab's run directory ({@code haproxy-pair/}) and starts B, then A, in the
     * namespaces of nodes {@code node1} and {@code node2}; forwards to pod {@code target}. Needs no mesh.
     */
    static LabHaproxyPair start(Lab lab, String target) throws PeerException {
        LabNode node1 = lab.node("node1");
        LabNode node2 = lab.node("node2");
        HaproxyTunnel files = HaproxyTunnel.write(lab.runDir().resolve("haproxy-pair"), 0,
                routes(node2.ip(), lab.pod(target).ip()));
        LabProcess exit = node2.start(EXIT, HaproxyTunnel.command(files.exitConfig()));
        LabProcess entry = node1.start(ENTRY, HaproxyTunnel.command(files.entryConfig()));
        return new LabHaproxyPair(entry, exit, node1.gatewayIp());
    }

    /**
     * The two routes: entry port i on every address of node1, tunnel port i on every address of node2 (A connects
     * to {@code node2Ip}), to the target's HTTP port and then its sink port.
     */
    static List<HaproxyTunnel.Route> routes(String node2Ip, String targetIp) {
        List<Integer> targetPorts = List.of(BenchTopology.APP_PORT, BenchTopology.SINK_PORT);
        List<HaproxyTunnel.Route> routes = new ArrayList<>();
        for (int i = 0; i < targetPorts.size(); i++) {
            int tunnelPort = BenchTopology.HAPROXY_PAIR_TUNNEL_PORTS.get(i);
            routes.add(new HaproxyTunnel.Route(
                    new InetSocketAddress("0.0.0.0", BenchTopology.HAPROXY_PAIR_ENTRY_PORTS.get(i)),
                    new InetSocketAddress(node2Ip, tunnelPort), new InetSocketAddress("0.0.0.0", tunnelPort),
                    new InetSocketAddress(targetIp, targetPorts.get(i))));
        }
        return routes;
    }

    /** Where pods on node1 reach A: node1's address toward its pods (their default gateway). */
    String entryHost() {
        return entryHost;
    }

    /** The HAProxy processes' pids (not the {@code ip netns exec} wrappers'), for /proc readings. */
    long entryPid() throws IOException {
        return JavaPid.named(entry.pid(), "haproxy");
    }

    long exitPid() throws IOException {
        return JavaPid.named(exit.pid(), "haproxy");
    }

    boolean alive() {
        return entry.isAlive() && exit.isAlive();
    }

    String logs() {
        return "--- " + ENTRY + " ---\n" + entry.log() + "\n--- " + EXIT + " ---\n" + exit.log();
    }
}
