package io.trellis.install.lab;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The topology to build: nodes, pods placed on them, and the Services the controller should know.
 * Every network namespace, and so everything the lab creates, is named {@code <prefix>-...}, which
 * is how teardown finds it again after a crash.
 *
 * @param prefix names everything the lab creates; tests use a random one so parallel runs do not collide
 */
public record LabSpec(String prefix, List<NodeSpec> nodes, List<PodSpec> pods, List<ServiceSpec> services) {

    /** The prefix {@code ./trellis lab} uses. */
    public static final String DEFAULT_PREFIX = "trlab";

    /** Most nodes and pods per node the address plan has room for. */
    public static final int MAX_NODES = 250;
    public static final int MAX_PODS_PER_NODE = 250;

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{1,15}(-[a-z0-9]{1,15})?");
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?");

    /** A node: one network namespace with a leg on the underlay. */
    public record NodeSpec(String name) {
        public NodeSpec {
            requireLabel("node name", name);
        }
    }

    /** A pod: one network namespace with a veth to its node; the rest is what the controller sees. */
    public record PodSpec(String name, String namespace, String serviceAccount, Map<String, String> labels,
            String node) {
        public PodSpec {
            requireLabel("pod name", name);
            requireLabel("namespace of pod " + name, namespace);
            requireLabel("service account of pod " + name, serviceAccount);
            labels = Map.copyOf(labels);
        }
    }

    /** A port of a Service: the VIP port and the pods' port it forwards to. */
    public record ServicePort(String name, int port, int targetPort) {
        public ServicePort {
            requireLabel("service port name", name);
            if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535) {
                throw new IllegalArgumentException("service port " + name + ": ports must be in 1..65535");
            }
        }
    }

    /** A Service selecting pods by label; its cluster IP comes from the {@link AddressPlan}. */
    public record ServiceSpec(String name, String namespace, Map<String, String> selector, List<ServicePort> ports,
            Map<String, String> labels) {
        public ServiceSpec {
            requireLabel("service name", name);
            requireLabel("namespace of service " + name, namespace);
            selector = Map.copyOf(selector);
            ports = List.copyOf(ports);
            labels = Map.copyOf(labels);
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("service " + name + " needs at least one port");
            }
        }
    }

    public LabSpec {
        nodes = List.copyOf(nodes);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        validate(prefix, nodes, pods, services);
    }

    /**
     * The standard lab: nodes {@code node1..nodeN}; node k's pods are named by the k-th letter and a
     * number ({@code a1, a2} on node1, {@code b1, b2} on node2), in namespace {@code default}, with
     * service account and label {@code app} set to that letter; one Service per node letter on port 80.
     */
    public static LabSpec standard(String prefix, int nodeCount, int podsPerNode) {
        if (nodeCount < 1 || nodeCount > 26 || podsPerNode < 1 || podsPerNode > MAX_PODS_PER_NODE) {
            throw new IllegalArgumentException("the standard lab has 1..26 nodes and 1.." + MAX_PODS_PER_NODE
                    + " pods per node (got " + nodeCount + " nodes, " + podsPerNode + " pods per node)");
        }
        List<NodeSpec> nodes = new ArrayList<>();
        List<PodSpec> pods = new ArrayList<>();
        List<ServiceSpec> services = new ArrayList<>();
        for (int n = 1; n <= nodeCount; n++) {
            String node = "node" + n;
            String app = String.valueOf((char) ('a' + n - 1));
            nodes.add(new NodeSpec(node));
            for (int p = 1; p <= podsPerNode; p++) {
                pods.add(new PodSpec(app + p, "default", app, Map.of("app", app), node));
            }
            services.add(new ServiceSpec(app, "default", Map.of("app", app),
                    List.of(new ServicePort("http", 80, 8080)), Map.of()));
        }
        return new LabSpec(prefix, nodes, pods, services);
    }

    /** The pods on {@code node}, in spec order. */
    public List<PodSpec> podsOn(String node) {
        return pods.stream().filter(p -> p.node().equals(node)).toList();
    }

    private static void validate(String prefix, List<NodeSpec> nodes, List<PodSpec> pods, List<ServiceSpec> services) {
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("lab prefix '" + prefix + "' must be 2-16 lower-case letters or digits,"
                    + " starting with a letter, optionally followed by '-' and up to 16 more (e.g. trlab or trlt-x7k2q)");
        }
        if (nodes.isEmpty() || nodes.size() > MAX_NODES) {
            throw new IllegalArgumentException("a lab has 1.." + MAX_NODES + " nodes, not " + nodes.size());
        }
        Set<String> names = new HashSet<>(Set.of("underlay"));
        Map<String, Integer> perNode = new LinkedHashMap<>();
        for (NodeSpec node : nodes) {
            if (!names.add(node.name())) {
                throw new IllegalArgumentException("name '" + node.name() + "' is used twice (node and pod names"
                        + " share one namespace, and 'underlay' is reserved)");
            }
            perNode.put(node.name(), 0);
        }
        for (PodSpec pod : pods) {
            if (!names.add(pod.name())) {
                throw new IllegalArgumentException("name '" + pod.name() + "' is used twice (node and pod names"
                        + " share one namespace, and 'underlay' is reserved)");
            }
            Integer count = perNode.get(pod.node());
            if (count == null) {
                throw new IllegalArgumentException("pod " + pod.name() + " is on node '" + pod.node()
                        + "', which is not in the lab (nodes: " + perNode.keySet() + ")");
            }
            if (count == MAX_PODS_PER_NODE) {
                throw new IllegalArgumentException("node " + pod.node() + " has more than " + MAX_PODS_PER_NODE + " pods");
            }
            perNode.put(pod.node(), count + 1);
        }
        Set<String> serviceKeys = new HashSet<>();
        for (ServiceSpec service : services) {
            if (!serviceKeys.add(service.namespace() + "/" + service.name())) {
                throw new IllegalArgumentException("service " + service.namespace() + "/" + service.name() + " is listed twice");
            }
        }
    }

    static void requireLabel(String what, String value) {
        if (!DNS_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' must be a DNS label of at most 42 characters:"
                    + " lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
    }
}
