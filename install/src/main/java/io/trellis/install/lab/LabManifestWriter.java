package io.trellis.install.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the controller's view of a lab as Kubernetes {@code v1} objects in one multi-document
 * YAML file: Namespaces (enrolled with {@code trellis.io/dataplane-mode: ambient}), ServiceAccounts,
 * Nodes (underlay address, pod CIDR), Pods (with {@code spec.nodeName} and {@code status.podIP}
 * filled in, as the kubelet would) and Services (with their cluster IPs). The controller's local
 * mode reads it from its YAML directory.
 */
public final class LabManifestWriter {

    /** The label that enrols a namespace in the mesh. */
    public static final String DATAPLANE_MODE_LABEL = "trellis.io/dataplane-mode";

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());

    /** The objects describing {@code lab}, in the order a reader should apply them. */
    public List<Map<String, Object>> objects(Lab lab) {
        List<Map<String, Object>> docs = new ArrayList<>();
        Set<String> namespaces = new LinkedHashSet<>();
        Map<String, Set<String>> accounts = new TreeMap<>();
        for (LabPod pod : lab.pods()) {
            namespaces.add(pod.namespace());
            accounts.computeIfAbsent(pod.namespace(), n -> new LinkedHashSet<>()).add(pod.serviceAccount());
        }
        lab.services().forEach(s -> namespaces.add(s.namespace()));
        for (String ns : namespaces) {
            docs.add(object("Namespace", meta(ns, null, Map.of(DATAPLANE_MODE_LABEL, "ambient"))));
        }
        accounts.forEach((ns, names) -> names.forEach(sa -> docs.add(object("ServiceAccount", meta(sa, ns, Map.of())))));
        for (LabNode node : lab.nodes()) {
            Map<String, Object> doc = object("Node", meta(node.name(), null, Map.of()));
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("podCIDR", node.podCidr());
            spec.put("podCIDRs", List.of(node.podCidr()));
            doc.put("spec", spec);
            Map<String, Object> address = new LinkedHashMap<>();
            address.put("type", "InternalIP");
            address.put("address", node.ip());
            doc.put("status", Map.of("addresses", List.of(address)));
            docs.add(doc);
        }
        for (LabPod pod : lab.pods()) {
            docs.add(pod(lab, pod));
        }
        for (LabService service : lab.services()) {
            docs.add(service(service));
        }
        return docs;
    }

    /** Writes {@link #objects} to {@code file} (creating its directory) and returns the file. */
    public Path write(Lab lab, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            try (SequenceWriter out = YAML.writer().writeValues(file.toFile())) {
                for (Map<String, Object> doc : objects(lab)) {
                    out.write(doc);
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab's manifests to " + file, e);
        }
    }

    private static Map<String, Object> pod(Lab lab, LabPod pod) {
        Map<String, Object> doc = object("Pod", meta(pod.name(), pod.namespace(), pod.labels()));
        Map<String, Object> metadata = asMap(doc.get("metadata"));
        metadata.put("uid", pod.uid());
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", "app");
        // A lab pod is a network namespace running unmodified processes, not a container image.
        container.put("image", "trellis-lab/netns");
        List<Map<String, Object>> ports = containerPorts(lab, pod);
        if (!ports.isEmpty()) {
            container.put("ports", ports);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("nodeName", pod.nodeName());
        spec.put("serviceAccountName", pod.serviceAccount());
        spec.put("containers", List.of(container));
        doc.put("spec", spec);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", "Running");
        status.put("hostIP", pod.node().ip());
        status.put("podIP", pod.ip());
        status.put("podIPs", List.of(Map.of("ip", pod.ip())));
        doc.put("status", status);
        return doc;
    }

    /** The target ports of the Services selecting this pod, so named ports resolve as in a cluster. */
    private static List<Map<String, Object>> containerPorts(Lab lab, LabPod pod) {
        Map<Integer, Map<String, Object>> ports = new TreeMap<>();
        for (LabService service : lab.services()) {
            boolean selects = service.namespace().equals(pod.namespace()) && !service.selector().isEmpty()
                    && pod.labels().entrySet().containsAll(service.selector().entrySet());
            if (selects) {
                for (LabSpec.ServicePort port : service.ports()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("name", port.name());
                    entry.put("containerPort", port.targetPort());
                    ports.putIfAbsent(port.targetPort(), entry);
                }
            }
        }
        return List.copyOf(ports.values());
    }

    private static Map<String, Object> service(LabService service) {
        Map<String, Object> doc = object("Service", meta(service.name(), service.namespace(), service.labels()));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", new TreeMap<>(service.selector()));
        spec.put("clusterIP", service.clusterIp());
        spec.put("ports", service.ports().stream().map(p -> {
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("name", p.name());
            port.put("port", p.port());
            port.put("targetPort", p.targetPort());
            port.put("protocol", "TCP");
            return port;
        }).toList());
        doc.put("spec", spec);
        return doc;
    }

    private static Map<String, Object> object(String kind, Map<String, Object> metadata) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "v1");
        doc.put("kind", kind);
        doc.put("metadata", metadata);
        return doc;
    }

    private static Map<String, Object> meta(String name, @org.jspecify.annotations.Nullable String namespace,
            Map<String, String> labels) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        if (namespace != null) {
            meta.put("namespace", namespace);
        }
        if (!labels.isEmpty()) {
            meta.put("labels", new TreeMap<>(labels));
        }
        return meta;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return (Map<String, Object>) value;
    }
}
