package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Basic validation of rendered objects, the checks an API server would make first: DNS-1123 names, required
 * fields, selectors that match their pod templates, unique container ports. Returns problems, empty when fine.
 */
final class ManifestChecks {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private ManifestChecks() {}

    static List<String> problems(List<HasMetadata> objects) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Service> services = new ArrayList<>();
        List<PodTemplateSpec> templates = new ArrayList<>();
        for (HasMetadata o : objects) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            if (o.getApiVersion() == null || o.getKind() == null) {
                problems.add(id + ": apiVersion and kind are required");
            }
            String name = o.getMetadata().getName();
            if (name == null || name.length() > 253 || !SUBDOMAIN.matcher(name).matches()) {
                problems.add(id + ": name is not a DNS-1123 subdomain");
            }
            boolean namespaced = o instanceof Namespaced && !(o instanceof io.fabric8.kubernetes.api.model.Namespace);
            boolean clusterScoped = o.getKind().startsWith("Cluster") || o.getKind().equals("CustomResourceDefinition")
                    || o.getKind().equals("Namespace");
            if (!clusterScoped && (o.getMetadata().getNamespace() == null || !namespaced)) {
                problems.add(id + ": namespaced object without a namespace");
            }
            if (clusterScoped && o.getMetadata().getNamespace() != null) {
                problems.add(id + ": cluster-scoped object with a namespace");
            }
            if (!seen.add(o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + name)) {
                problems.add(id + ": duplicate");
            }
            switch (o) {
                case Deployment d -> {
                    checkWorkload(id, d.getSpec().getSelector(), d.getSpec().getTemplate(), problems);
                    templates.add(d.getSpec().getTemplate());
                    if (!LABEL.matcher(name).matches()) {
                        problems.add(id + ": a Deployment's name must be a DNS-1123 label");
                    }
                }
                case DaemonSet d -> {
                    checkWorkload(id, d.getSpec().getSelector(), d.getSpec().getTemplate(), problems);
                    templates.add(d.getSpec().getTemplate());
                }
                case Service s -> {
                    services.add(s);
                    if (!LABEL.matcher(name).matches()) {
                        problems.add(id + ": a Service's name must be a DNS-1123 label");
                    }
                }
                case PodDisruptionBudget p -> {
                    if (p.getSpec().getSelector() == null) {
                        problems.add(id + ": no selector");
                    }
                }
                default -> { }
            }
        }
        for (Service s : services) {
            boolean matches = templates.stream().anyMatch(t -> t.getMetadata().getLabels().entrySet()
                    .containsAll(s.getSpec().getSelector().entrySet()));
            if (!matches) {
                problems.add("Service/" + s.getMetadata().getName() + ": selector matches no pod template");
            }
        }
        return problems;
    }

    private static void checkWorkload(String id, LabelSelector selector, PodTemplateSpec template,
                                      List<String> problems) {
        Map<String, String> labels = template.getMetadata().getLabels();
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            problems.add(id + ": selector.matchLabels is required");
        } else if (!labels.entrySet().containsAll(selector.getMatchLabels().entrySet())) {
            problems.add(id + ": selector does not match the pod template's labels");
        }
        if (template.getSpec().getContainers().isEmpty()) {
            problems.add(id + ": no containers");
        }
        Set<String> volumes = new HashSet<>();
        template.getSpec().getVolumes().forEach(v -> volumes.add(v.getName()));
        for (Container c : template.getSpec().getContainers()) {
            if (c.getImage() == null || c.getImage().isBlank() || !LABEL.matcher(c.getName()).matches()) {
                problems.add(id + ": container needs a DNS-1123 name and an image");
            }
            Set<Integer> ports = new HashSet<>();
            Set<String> portNames = new HashSet<>();
            for (ContainerPort p : c.getPorts()) {
                if (!ports.add(p.getContainerPort()) || !portNames.add(p.getName())) {
                    problems.add(id + ": container port " + p.getContainerPort() + "/" + p.getName() + " not unique");
                }
                if (p.getName() != null && p.getName().length() > 15) {
                    problems.add(id + ": port name " + p.getName() + " longer than 15 characters");
                }
            }
            c.getVolumeMounts().forEach(m -> {
                if (!volumes.contains(m.getName())) {
                    problems.add(id + ": mount of undeclared volume " + m.getName());
                }
            });
            if (c.getResources() == null || c.getResources().getRequests() == null) {
                problems.add(id + ": container without resource requests");
            }
        }
    }
}
