package io.trellis.ctl;

import io.trellis.node.state.MeshState;
import io.trellis.node.state.WorkloadInfo;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trellisctl workloads}: the workloads the controller serves to node-proxies. */
@Command(name = "workloads", mixinStandardHelpOptions = true,
        description = "Workloads as node-proxies receive them from the controller: addresses, node, identity, "
                + "protocol (HBONE = enrolled), waypoint, health.")
final class WorkloadsCommand extends CtlCommand {

    static final List<String> COLUMNS = List.of("namespace", "name", "addresses", "node", "identity", "protocol",
            "waypoint", "status");

    @Mixin
    ControllerAddress controller = new ControllerAddress();
    @Mixin
    OutputOption output = new OutputOption();
    @Option(names = {"-n", "--namespace"}, description = "Only this namespace.")
    String namespace = "";
    @Option(names = "--timeout", defaultValue = "PT10S", description = "How long to wait for the controller (default ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(10);

    @Override
    int run() throws CtlException {
        OutputFormat format = output.format();
        MeshState state = MeshSnapshot.fetch(controller, timeout);
        List<Map<String, Object>> rows = new ArrayList<>();
        state.workloads().values().stream()
                .filter(w -> namespace.isEmpty() || w.namespace().equals(namespace))
                .sorted(Comparator.comparing(WorkloadInfo::namespace).thenComparing(WorkloadInfo::name))
                .forEach(w -> rows.add(Output.row("namespace", w.namespace(), "name", w.name(),
                        "addresses", w.addresses().stream().map(InetAddress::getHostAddress)
                                .collect(Collectors.joining(",")),
                        "node", w.node(), "identity", w.identity().toString(),
                        "protocol", w.hbone() ? "HBONE" : "TCP",
                        "waypoint", w.waypoint() == null ? "" : w.waypoint().identity() + "@"
                                + w.waypoint().hbone().getAddress().getHostAddress() + ":" + w.waypoint().hbone().getPort(),
                        "status", w.healthy() ? "Healthy" : "Unhealthy")));
        Output.print(out(), format, COLUMNS, rows);
        return 0;
    }
}
