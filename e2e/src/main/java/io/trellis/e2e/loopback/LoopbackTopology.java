package io.trellis.e2e.loopback;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Where everything of a loopback mesh lives: one {@code 127.a.b.0/24} block picked at random (so two runs, or a run
 * and other software on the usual 127.0.0.1 ports, do not collide), with the controller on {@code .1}, node-proxies on
 * {@code .2, .3, ...}, workloads from {@code .11} and service VIPs from {@code .101}. The VIPs are never bound: only
 * the node-proxies know them, as in a cluster.
 *
 * @param block the first three octets, {@code 127.a.b}
 * @param nodes node names, in address order
 * @param workloads the pods, each with its node and address
 * @param services the Services
 */
public record LoopbackTopology(String block, List<String> nodes, List<Workload> workloads, List<Service> services) {

    /**
     * A pod: an app that binds its own address.
     *
     * @param labels its labels (Services select on them)
     * @param ip its pod IP, in this topology's block
     */
    public record Workload(String name, String namespace, String serviceAccount, String node, String ip,
            Map<String, String> labels) {}

    /**
     * A Service: cluster IP {@code vip}, port {@code port} to {@code targetPort} on the pods matching {@code selector}.
     *
     * @param labels labels of the Service itself ({@code trellis.io/use-waypoint})
     */
    public record Service(String name, String namespace, String vip, int port, int targetPort,
            Map<String, String> selector, Map<String, String> labels) {}

    public LoopbackTopology {
        nodes = List.copyOf(nodes);
        workloads = List.copyOf(workloads);
        services = List.copyOf(services);
    }

    /** A free {@code 127.a.b} block: its controller address can be bound (tries a few random blocks). */
    public static String freeBlock(RandomGenerator random) {
        for (int attempt = 0; attempt < 20; attempt++) {
            String block = "127." + (100 + random.nextInt(100)) + "." + random.nextInt(256);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getByName(block + ".1"), 15010));
                return block;
            } catch (IOException e) {
                // taken (another run): try another block
            }
        }
        throw new IllegalStateException("no free 127.x.y.0/24 block found for the loopback mesh after 20 tries");
    }

    /** The address {@code .n} of this block. */
    public String ip(int n) {
        return block + "." + n;
    }

    public String controllerIp() {
        return ip(1);
    }

    /** The address of node {@code name} (its node-proxy's admin, metrics and readiness). */
    public String nodeIp(String name) {
        int i = nodes.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no node " + name + " in " + nodes);
        }
        return ip(2 + i);
    }

    public Workload workload(String name) {
        return workloads.stream().filter(w -> w.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload " + name));
    }

    public Service service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    /**
     * The controller's view, as Kubernetes objects in one multi-document YAML: the namespaces (enrolled), service
     * accounts, pods with {@code spec.nodeName} and {@code status.podIP} filled in as the kubelet would, Services with
     * their cluster IPs. Pods labelled {@code trellis.io/dataplane-mode: none} stay out of the mesh (a waypoint).
     */
    public String manifests() {
        List<String> docs = new ArrayList<>();
        Map<String, List<String>> accounts = new LinkedHashMap<>();
        for (Workload w : workloads) {
            List<String> sas = accounts.computeIfAbsent(w.namespace(), k -> new ArrayList<>());
            if (!sas.contains(w.serviceAccount())) {
                sas.add(w.serviceAccount());
            }
        }
        for (Service s : services) {
            accounts.computeIfAbsent(s.namespace(), k -> new ArrayList<>());
        }
        accounts.forEach((ns, sas) -> {
            docs.add("""
                    apiVersion: v1
                    kind: Namespace
                    metadata:
                      name: %s
                      labels:
                        trellis.io/dataplane-mode: ambient
                    """.formatted(ns));
            for (String sa : sas) {
                docs.add("""
                        apiVersion: v1
                        kind: ServiceAccount
                        metadata:
                          name: %s
                          namespace: %s
                        """.formatted(sa, ns));
            }
        });
        for (Workload w : workloads) {
            StringBuilder ports = new StringBuilder();
            for (Service s : services) {
                if (s.namespace().equals(w.namespace()) && w.labels().entrySet().containsAll(s.selector().entrySet())
                        && !ports.toString().contains("containerPort: " + s.targetPort() + "\n")) {
                    ports.append("        - name: http\n          containerPort: ").append(s.targetPort()).append('\n');
                }
            }
            docs.add("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: %s
                      namespace: %s
                      uid: loopback-%s
                      labels:
                    %s
                    spec:
                      nodeName: %s
                      serviceAccountName: %s
                      containers:
                      - name: app
                        image: trellis-loopback/app
                    %s
                    status:
                      phase: Running
                      podIP: %s
                      podIPs:
                      - ip: %s
                    """.formatted(w.name(), w.namespace(), w.name(), map(w.labels(), "    "), w.node(),
                    w.serviceAccount(), ports.isEmpty() ? "" : "    ports:\n" + ports.toString().stripTrailing(),
                    w.ip(), w.ip()));
        }
        for (Service s : services) {
            docs.add("""
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: %s
                      namespace: %s
                      labels:
                    %s
                    spec:
                      clusterIP: %s
                      selector:
                    %s
                      ports:
                      - name: http
                        port: %d
                        targetPort: %d
                        protocol: TCP
                    """.formatted(s.name(), s.namespace(), map(s.labels(), "    "), s.vip(),
                    map(s.selector(), "    "), s.port(), s.targetPort()));
        }
        return String.join("---\n", docs.stream().map(d -> d.replaceAll("(?m)^\\s*\\n", "")).toList());
    }

    /** A YAML block mapping at {@code indent}; {@code {}} inline when empty. */
    private static String map(Map<String, String> m, String indent) {
        if (m.isEmpty()) {
            return indent + "{}";
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(indent).append(k).append(": \"").append(v).append("\"\n"));
        return b.toString().stripTrailing();
    }
}
