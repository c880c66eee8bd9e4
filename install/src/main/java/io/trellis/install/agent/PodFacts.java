package io.trellis.install.agent;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * What the node agent needs to know of a pod to decide on and perform its enrollment.
 *
 * @param namespaceLabels the labels of the pod's namespace (enrollment may come from there)
 */
public record PodFacts(String uid, String name, String namespace, String serviceAccount, String nodeName,
                       boolean hostNetwork, Map<String, String> labels, Map<String, String> namespaceLabels,
                       List<InetAddress> ips) {

    public PodFacts {
        labels = Map.copyOf(labels);
        namespaceLabels = Map.copyOf(namespaceLabels);
        ips = List.copyOf(ips);
    }

    public String key() {
        return namespace + "/" + name;
    }
}
