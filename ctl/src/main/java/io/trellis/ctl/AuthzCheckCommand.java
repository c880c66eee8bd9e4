package io.trellis.ctl;

import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.authz.ConnectionAttributes;
import io.trellis.node.authz.L4Authorizer;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.state.Endpoint;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.ServiceEndpoints;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code trellisctl authz check <source> <dest:port>}: would the destination's node-proxy let this connection
 * in? Uses the live config from the controller (the same workload xDS a node-proxy gets) and the node-proxy's own
 * {@link L4Authorizer}, so the answer is the enforcement code's, not a re-implementation. L4 only: methods and
 * paths are the waypoint's to check.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Evaluate L4 authorization (as the destination node-proxy would) for a connection from "
                + "SOURCE (namespace/pod or pod IP) to DEST:PORT (namespace/pod, pod IP, service VIP or hostname).")
final class AuthzCheckCommand extends CtlCommand {

    static final List<String> COLUMNS = List.of("destination", "port", "via", "principal", "decision", "reason",
            "policy");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+");

    @Parameters(index = "0", paramLabel = "SOURCE")
    String source = "";
    @Parameters(index = "1", paramLabel = "DEST:PORT")
    String destination = "";
    @Mixin
    ControllerAddress controller = new ControllerAddress();
    @Mixin
    OutputOption output = new OutputOption();
    @Option(names = "--timeout", defaultValue = "PT10S", description = "How long to wait for the controller (default ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(10);

    @Override
    int run() throws CtlException {
        OutputFormat format = output.format();
        HostPort dest = HostPort.parse(destination, 0);
        if (dest.port() == 0) {
            throw new CtlException("destination '" + destination + "' needs a port, e.g. demo/reviews-v1:9080");
        }
        MeshState state = MeshSnapshot.fetch(controller, timeout);
        WorkloadInfo src = workload(state, source);
        if (src == null) {
            throw new CtlException("no workload '" + source + "' in the mesh (use namespace/pod or a pod IP; "
                    + "'trellisctl workloads' lists them)");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Target t : targets(state, dest)) {
            List<WaypointAddress> waypoints = state.waypointsOf(t.workload());
            L4Authorizer authorizer = new L4Authorizer(MtlsMode.STRICT);
            if (waypoints.isEmpty() || t.workload().equals(src)) {
                rows.add(row(t, "direct", src.identity().toString(), authorizer.authorize(state, t.workload(),
                        new ConnectionAttributes(src.identity(), first(src), t.port()))));
            } else {
                // traffic goes through the waypoint: the destination's node-proxy sees the waypoint's identity
                for (WaypointAddress w : waypoints) {
                    rows.add(row(t, "waypoint " + w.identity(), w.identity().toString(), authorizer.authorize(state,
                            t.workload(), new ConnectionAttributes(w.identity(), w.hbone().getAddress(), t.port()))));
                }
            }
        }
        Output.print(out(), format, COLUMNS, rows);
        return rows.stream().allMatch(r -> r.get("decision").equals("ALLOW")) ? 0 : 3;
    }

    private record Target(WorkloadInfo workload, int port) {}

    private static Map<String, Object> row(Target t, String via, String principal, AuthzDecision d) {
        return Output.row("destination", t.workload().namespace() + "/" + t.workload().name(), "port", t.port(),
                "via", via, "principal", principal, "decision", d.allowed() ? "ALLOW" : "DENY",
                "reason", d.reason().name(), "policy", d.policy() == null ? "" : d.policy());
    }

    private static InetAddress first(WorkloadInfo w) throws CtlException {
        if (w.addresses().isEmpty()) {
            throw new CtlException("workload " + w.namespace() + "/" + w.name() + " has no address yet");
        }
        return w.addresses().getFirst();
    }

    /** The workloads (and their ports) a connection to {@code dest} can land on. */
    private static List<Target> targets(MeshState state, HostPort dest) throws CtlException {
        WorkloadInfo direct = workload(state, dest.host());
        if (direct != null) {
            return List.of(new Target(direct, dest.port()));
        }
        List<InetAddress> vips = new ArrayList<>();
        if (IP_LITERAL.matcher(dest.host()).matches()) {
            vips.add(ip(dest.host()));
        } else {
            for (ServiceInfo s : state.services().values()) {
                if (s.hostname().equals(dest.host()) || (s.namespace() + "/" + s.name()).equals(dest.host())) {
                    vips.addAll(s.vips());
                }
            }
        }
        for (InetAddress vip : vips) {
            ServiceEndpoints endpoints = state.serviceByVip(new InetSocketAddress(vip, dest.port()));
            if (endpoints != null) {
                if (endpoints.endpoints().isEmpty()) {
                    throw new CtlException("service " + endpoints.key() + " has no healthy endpoints");
                }
                List<Target> out = new ArrayList<>();
                for (Endpoint e : endpoints.endpoints()) {
                    out.add(new Target(e.workload(), e.address().getPort()));
                }
                return out;
            }
        }
        throw new CtlException("'" + dest + "' is neither a workload nor a service port in the mesh");
    }

    private static @org.jspecify.annotations.Nullable WorkloadInfo workload(MeshState state, String ref) throws CtlException {
        if (IP_LITERAL.matcher(ref).matches()) {
            return state.workloadByIp(ip(ref));
        }
        for (WorkloadInfo w : state.workloads().values()) {
            if ((w.namespace() + "/" + w.name()).equals(ref)) {
                return w;
            }
        }
        return null;
    }

    private static InetAddress ip(String literal) throws CtlException {
        try {
            // a literal (digits, dots, colons only): no DNS lookup happens
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new CtlException("'" + literal + "' is not an IP address");
        }
    }
}
