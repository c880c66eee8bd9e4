package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the Helm chart's templates from {@link ManifestRenderer}: it renders with sentinel option values and
 * replaces each sentinel by the value reference, so the templates are plain substitutions of exactly the
 * objects the renderer builds. Run after changing the renderer:
 * {@code java -cp ... io.trellis.install.kube.HelmChartGenerator install/kubernetes/helm/trellis};
 * {@code HelmChartTest} fails when the committed chart and the renderer disagree.
 */
final class HelmChartGenerator {

    /** Sentinel option values and the template expression each one becomes. Order matters: longest first. */
    static final Map<String, String> SENTINELS = new LinkedHashMap<>();
    static final InstallOptions SENTINEL_OPTIONS;

    static {
        SENTINELS.put("ns-sentinel-q7", "{{ .Release.Namespace }}");
        SENTINELS.put("repo-sentinel-q7", "{{ .Values.image.repository }}");
        SENTINELS.put("tag-sentinel-q7", "{{ .Values.image.tag }}");
        SENTINELS.put("td-sentinel-q7", "{{ .Values.trustDomain }}");
        SENTINELS.put("replicas: 7919", "replicas: {{ .Values.controller.replicas }}");
        SENTINELS.put("7101m", "{{ .Values.controller.resources.requests.cpu }}");
        SENTINELS.put("7102Mi", "{{ .Values.controller.resources.requests.memory }}");
        SENTINELS.put("7103Mi", "{{ .Values.controller.resources.limits.memory }}");
        SENTINELS.put("7201m", "{{ .Values.nodeProxy.resources.requests.cpu }}");
        SENTINELS.put("7202Mi", "{{ .Values.nodeProxy.resources.requests.memory }}");
        SENTINELS.put("7203Mi", "{{ .Values.nodeProxy.resources.limits.memory }}");
        SENTINELS.put("7301m", "{{ .Values.nodeAgent.resources.requests.cpu }}");
        SENTINELS.put("7302Mi", "{{ .Values.nodeAgent.resources.requests.memory }}");
        SENTINELS.put("7303Mi", "{{ .Values.nodeAgent.resources.limits.memory }}");
        SENTINELS.put("/sentinel-q7-bin", "{{ .Values.cni.binDir }}");
        SENTINELS.put("/sentinel-q7-conf", "{{ .Values.cni.confDir }}");
        SENTINELS.put("\"TRACE\"", "\"{{ .Values.logLevel }}\"");
        SENTINEL_OPTIONS = new InstallOptions("ns-sentinel-q7", "repo-sentinel-q7", "tag-sentinel-q7",
                "td-sentinel-q7", 7919, new ResourceSettings("7101m", "7102Mi", "7103Mi"),
                new ResourceSettings("7201m", "7202Mi", "7203Mi"), new ResourceSettings("7301m", "7302Mi", "7303Mi"),
                "/sentinel-q7-bin", "/sentinel-q7-conf", "TRACE");
    }

    private HelmChartGenerator() {}

    /** Template file (under the chart) of each rendered object; CRDs go to {@code crds/}, the Namespace nowhere. */
    static String fileOf(HasMetadata object) {
        if (object instanceof Namespace) {
            return "";   // Helm installs into an existing namespace (helm install -n NS --create-namespace)
        }
        if (object instanceof CustomResourceDefinition) {
            return "crds/trellis-crds.yaml";
        }
        String name = object.getMetadata().getName();
        return "templates/" + name.substring("trellis-".length()) + ".yaml";
    }

    static Map<String, String> files() {
        KubernetesSerialization serialization = new KubernetesSerialization();
        Map<String, StringBuilder> out = new LinkedHashMap<>();
        List<HasMetadata> objects = ManifestRenderer.render(SENTINEL_OPTIONS);
        for (HasMetadata object : objects) {
            String file = fileOf(object);
            if (file.isEmpty()) {
                continue;
            }
            String yaml = serialization.asYaml(object);
            yaml = yaml.startsWith("---") ? yaml : "---\n" + yaml;
            if (!file.startsWith("crds/")) {
                for (Map.Entry<String, String> e : SENTINELS.entrySet()) {
                    yaml = yaml.replace(e.getKey(), e.getValue());
                }
            }
            out.computeIfAbsent(file, f -> new StringBuilder("# Generated from ManifestRenderer by HelmChartGenerator:"
                    + " change the Java code and regenerate, do not edit by hand.\n")).append(yaml);
        }
        Map<String, String> files = new LinkedHashMap<>();
        out.forEach((k, v) -> files.put(k, v.toString()));
        for (String text : files.values()) {
            if (text.contains("sentinel-q7")) {
                throw new IllegalStateException("a sentinel was left in a template");
            }
        }
        return files;
    }

    public static void main(String[] args) throws IOException {
        Path chart = Path.of(args[0]);
        for (Map.Entry<String, String> e : files().entrySet()) {
            Path file = chart.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
    }
}
