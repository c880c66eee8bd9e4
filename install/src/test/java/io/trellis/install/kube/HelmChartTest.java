package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart renders to exactly the objects {@link ManifestRenderer} builds, object by object. No helm binary
 * is available here, so the chart is rendered by a test-only substitution of {@code {{ .Values.a.b }}} and
 * {@code {{ .Release.Namespace }}}, which is all its templates use.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("kubernetes", "helm", "trellis");
    private static final Pattern EXPR = Pattern.compile("\\{\\{\\s*\\.(Values|Release)\\.([A-Za-z0-9_.]+)\\s*}}");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @Test
    void committedTemplatesAreWhatTheGeneratorWrites() throws Exception {
        for (Map.Entry<String, String> e : HelmChartGenerator.files().entrySet()) {
            assertThat(Files.readString(CHART.resolve(e.getKey())))
                    .as(e.getKey() + " is stale: run HelmChartGenerator (see its javadoc)").isEqualTo(e.getValue());
        }
    }

    @Test
    void defaultValuesRenderTheDefaultOptions() throws Exception {
        JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
        assertSameObjects(renderChart(values, "trellis-system"), InstallOptions.defaults());
    }

    @Test
    void overriddenValuesRenderTheSameOptions() throws Exception {
        JsonNode values = YAML.readTree("""
                image: {repository: registry.local:5000/mesh, tag: "dev-7"}
                trustDomain: example.org
                logLevel: DEBUG
                controller: {replicas: 3, resources: {requests: {cpu: "1", memory: 1Gi}, limits: {memory: 2Gi}}}
                nodeProxy: {resources: {requests: {cpu: 500m, memory: 300Mi}, limits: {memory: 600Mi}}}
                nodeAgent: {resources: {requests: {cpu: 5m, memory: 32Mi}, limits: {memory: 64Mi}}}
                cni: {binDir: /usr/libexec/cni, confDir: /etc/cni/conf.d}
                """);
        assertSameObjects(renderChart(values, "mesh"), new InstallOptions("mesh", "registry.local:5000/mesh", "dev-7",
                "example.org", 3, new ResourceSettings("1", "1Gi", "2Gi"),
                new ResourceSettings("500m", "300Mi", "600Mi"), new ResourceSettings("5m", "32Mi", "64Mi"),
                "/usr/libexec/cni", "/etc/cni/conf.d", "DEBUG"));
    }

    @Test
    void aMissingValueIsAnError() {
        assertThatThrownBy(() -> substitute("x: {{ .Values.nope.missing }}", YAML.readTree("a: 1"), "ns"))
                .hasMessageContaining("nope.missing");
    }

    private static void assertSameObjects(List<JsonNode> chart, InstallOptions options) throws Exception {
        List<JsonNode> expected = new ArrayList<>();
        for (HasMetadata o : ManifestRenderer.render(options)) {
            if (!HelmChartGenerator.fileOf(o).isEmpty()) {
                expected.add(JSON.readTree(SERIALIZATION.asJson(o)));
            }
        }
        assertThat(chart).hasSameSizeAs(expected);
        for (JsonNode e : expected) {
            String id = e.get("kind").asText() + "/" + e.at("/metadata/name").asText();
            JsonNode actual = chart.stream().filter(c -> (c.get("kind").asText() + "/"
                    + c.at("/metadata/name").asText()).equals(id)).findFirst().orElse(null);
            assertThat(actual).as(id + " rendered by the chart").isNotNull();
            // through the model too: each chart object must deserialize into its fabric8 class
            HasMetadata typed = SERIALIZATION.unmarshal(actual.toString(), HasMetadata.class);
            assertThat(JSON.readTree(SERIALIZATION.asJson(typed))).as(id).isEqualTo(e);
        }
    }

    /** Renders every file of the chart (crds/ as is, templates/ substituted), split into documents. */
    private static List<JsonNode> renderChart(JsonNode values, String namespace) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(CHART.resolve("crds")), Files.list(CHART.resolve("templates")))) {
            for (Path f : files.sorted().toList()) {
                String text = substitute(Files.readString(f), values, namespace);
                for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll()) {
                    if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                        out.add(doc);
                    }
                }
            }
        }
        return out;
    }

    static String substitute(String template, JsonNode values, String namespace) {
        Matcher m = EXPR.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1).equals("Release")) {
                if (!m.group(2).equals("Namespace")) {
                    throw new IllegalArgumentException("unsupported .Release." + m.group(2));
                }
                value = namespace;
            } else {
                JsonNode v = values.at("/" + m.group(2).replace('.', '/'));
                if (v.isMissingNode() || v.isNull() || v.isContainerNode()) {
                    throw new IllegalArgumentException("values.yaml has no scalar ." + m.group(2));
                }
                value = v.asText();
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
