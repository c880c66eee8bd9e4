package io.trellis.install.lab;

import java.io.PrintWriter;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** The human tables {@code lab up} and {@code lab status} print. */
final class LabStatusPrinter {

    private LabStatusPrinter() {}

    static void printTopology(Lab lab, PrintWriter out) {
        out.printf("underlay  netns %-22s bridge %s  %s%n", lab.underlay().name(), lab.underlayBridge(),
                AddressPlan.UNDERLAY_CIDR);
        out.printf("%-10s %-22s %-14s %-16s%n", "NODE", "NETNS", "UNDERLAY IP", "POD CIDR");
        for (LabNode node : lab.nodes()) {
            out.printf("%-10s %-22s %-14s %-16s%n", node.name(), node.netns().name(), node.ip(), node.podCidr());
        }
        out.printf("%-10s %-22s %-14s %-8s %-10s %-10s %s%n", "POD", "NETNS", "IP", "NODE", "NAMESPACE", "ACCOUNT",
                "LABELS");
        for (LabPod pod : lab.pods()) {
            out.printf("%-10s %-22s %-14s %-8s %-10s %-10s %s%n", pod.name(), pod.netns().name(), pod.ip(),
                    pod.nodeName(), pod.namespace(), pod.serviceAccount(),
                    pod.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted()
                            .collect(Collectors.joining(",")));
        }
        if (!lab.services().isEmpty()) {
            out.printf("%-10s %-10s %-14s %s%n", "SERVICE", "NAMESPACE", "CLUSTER IP", "PORTS");
            for (LabService service : lab.services()) {
                out.printf("%-10s %-10s %-14s %s%n", service.name(), service.namespace(), service.clusterIp(),
                        service.ports().stream().map(p -> p.port() + "->" + p.targetPort()).collect(Collectors.joining(",")));
            }
        }
    }

    static void printStatus(LabStatus status, @Nullable Lab lab, PrintWriter out) {
        if (status.empty()) {
            out.println("lab " + status.prefix() + ": not running");
            return;
        }
        if (lab != null) {
            printTopology(lab, out);
        } else {
            out.println("lab " + status.prefix() + ": no state file (crashed or half torn down); "
                    + "'./trellis lab down' removes what is left");
        }
        out.println("namespaces: " + (status.namespaces().isEmpty() ? "none" : String.join(" ", status.namespaces())));
        if (!status.hostLinks().isEmpty()) {
            out.println("host links: " + String.join(" ", status.hostLinks()));
        }
        if (!status.processes().isEmpty()) {
            out.printf("%-16s %-22s %-8s %-6s %s%n", "PROCESS", "NETNS", "PID", "ALIVE", "LOG");
            for (LabStatus.ProcessInfo p : status.processes()) {
                out.printf("%-16s %-22s %-8d %-6s %s%n", p.name(), p.netns(), p.pid(), p.alive() ? "yes" : "no", p.log());
            }
        }
    }
}
