package io.trellis.install.lab;

import io.trellis.install.agent.CommandRunner;
import io.trellis.install.agent.Netns;
import java.util.List;

/**
 * Builds the lab's namespaces, links, addresses, routes and sysctls. Every command runs inside a
 * lab namespace (veth pairs are created directly between two lab namespaces), so the host's own
 * interfaces and routes are never touched.
 */
final class TopologyBuilder {

    private final CommandRunner runner;

    TopologyBuilder(CommandRunner runner) {
        this.runner = runner;
    }

    void build(Lab lab) {
        Netns.Named underlay = lab.underlay();
        addNamespace(underlay);
        ip(underlay, "link", "add", LabNames.BRIDGE, "type", "bridge");
        ip(underlay, "link", "set", LabNames.BRIDGE, "up");
        for (LabNode node : lab.nodes()) {
            buildNode(lab, node);
        }
        for (LabNode node : lab.nodes()) {
            for (LabNode other : lab.nodes()) {
                if (other != node) {
                    ip(node.netns(), "route", "add", other.podCidr(), "via", other.ip(), "dev", LabNames.ETH0);
                }
            }
        }
    }

    private void buildNode(Lab lab, LabNode node) {
        Netns.Named ns = node.netns();
        Netns.Named underlay = lab.underlay();
        String port = LabNames.underlayPort(node.index());
        addNamespace(ns);
        ip(ns, "link", "add", LabNames.ETH0, "type", "veth", "peer", "name", port, "netns", underlay.name());
        ip(underlay, "link", "set", port, "master", LabNames.BRIDGE);
        ip(underlay, "link", "set", port, "up");
        ip(ns, "addr", "add", node.ip() + "/24", "dev", LabNames.ETH0);
        ip(ns, "link", "set", LabNames.ETH0, "up");
        // A node routes between its pods and the underlay. Reverse-path filtering is loose because the
        // node-proxy may keep a client's source IP toward the app (IP_TRANSPARENT), which strict mode
        // drops whenever the route back to that source leaves by another interface.
        sysctl(ns, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.default.rp_filter=2");
        int podIndex = 1;
        for (LabPod pod : node.pods()) {
            buildPod(node, pod, LabNames.podPort(podIndex++));
        }
    }

    private void buildPod(LabNode node, LabPod pod, String nodePort) {
        Netns.Named ns = pod.netns();
        Netns.Named nodeNs = node.netns();
        addNamespace(ns);
        sysctl(ns, "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.default.rp_filter=2");
        ip(nodeNs, "link", "add", nodePort, "type", "veth", "peer", "name", LabNames.ETH0, "netns", ns.name());
        // Point-to-point: the node's gateway address sits on every pod veth as a /32 and each pod gets a
        // /32 route, so no bridge per node is needed and the pod's traffic always goes through the node.
        ip(nodeNs, "addr", "add", node.gatewayIp() + "/32", "dev", nodePort);
        ip(nodeNs, "link", "set", nodePort, "up");
        ip(nodeNs, "route", "add", pod.ip() + "/32", "dev", nodePort, "scope", "link");
        ip(ns, "addr", "add", pod.ip() + "/32", "dev", LabNames.ETH0);
        ip(ns, "link", "set", LabNames.ETH0, "up");
        ip(ns, "route", "add", node.gatewayIp(), "dev", LabNames.ETH0, "scope", "link");
        ip(ns, "route", "add", "default", "via", node.gatewayIp(), "dev", LabNames.ETH0);
    }

    private void addNamespace(Netns.Named ns) {
        runner.check(Netns.host(), List.of("ip", "netns", "add", ns.name()));
        ip(ns, "link", "set", "lo", "up");
    }

    private void ip(Netns ns, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        runner.check(ns, argv);
    }

    private void sysctl(Netns ns, String... settings) {
        List<String> argv = new java.util.ArrayList<>(List.of("sysctl", "-q", "-w"));
        argv.addAll(List.of(settings));
        runner.check(ns, argv);
    }
}
