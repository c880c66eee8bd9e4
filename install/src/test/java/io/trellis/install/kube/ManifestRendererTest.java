package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trellis.controller.source.KubernetesKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ManifestRendererTest {

    private static final InstallOptions OPTIONS = InstallOptions.defaults();
    private static final com.fasterxml.jackson.databind.ObjectMapper TREES = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void everyObjectRoundTripsThroughTheFabric8Model() throws Exception {
        List<HasMetadata> objects = ManifestRenderer.render(OPTIONS);
        String yaml = ManifestRenderer.renderYaml(OPTIONS);
        @SuppressWarnings("deprecation")
        Object parsed = Serialization.unmarshal(yaml);
        List<HasMetadata> back = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            list.forEach(o -> back.add((HasMetadata) o));
        } else if (parsed instanceof KubernetesList l) {
            back.addAll(l.getItems());
        }
        assertThat(back).hasSameSizeAs(objects);
        for (int i = 0; i < objects.size(); i++) {
            // typed model class, and the same content (JSON trees: schema numbers may come back as another type)
            assertThat(back.get(i)).as(objects.get(i).getKind()).hasSameClassAs(objects.get(i));
            assertThat(TREES.readTree(Serialization.asJson(back.get(i))))
                    .as(objects.get(i).getKind() + "/" + objects.get(i).getMetadata().getName())
                    .isEqualTo(TREES.readTree(Serialization.asJson(objects.get(i))));
        }
        assertThat(back).extracting(HasMetadata::getKind).containsExactly("Namespace", "CustomResourceDefinition",
                "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                "Deployment",
                "Service", "PodDisruptionBudget", "ServiceAccount", "DaemonSet", "ServiceAccount", "ClusterRole",
                "ClusterRoleBinding", "DaemonSet");
    }

    @Test
    void passesBasicValidation() {
        assertThat(ManifestChecks.problems(ManifestRenderer.render(OPTIONS))).isEmpty();
        InstallOptions other = new InstallOptions("mesh", "registry.local:5000/t", "dev-1", "example.org", 3,
                new ResourceSettings("1", "1Gi", "2Gi"), new ResourceSettings("500m", "512Mi", "512Mi"),
                new ResourceSettings("10m", "64Mi", "64Mi"), "/usr/libexec/cni", "/etc/cni/conf.d", "DEBUG");
        assertThat(ManifestChecks.problems(ManifestRenderer.render(other))).isEmpty();
    }

    @Test
    void validationCatchesBrokenObjects() {
        List<HasMetadata> objects = new ArrayList<>(ManifestRenderer.render(OPTIONS));
        DaemonSet ds = (DaemonSet) objects.stream().filter(o -> o instanceof DaemonSet).findFirst().orElseThrow();
        ds.getSpec().getSelector().setMatchLabels(Map.of("app", "other"));
        ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts().add(
                ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts().getFirst());
        assertThat(ManifestChecks.problems(objects)).anyMatch(p -> p.contains("selector does not match"))
                .anyMatch(p -> p.contains("not unique"));
    }

    @Test
    void rejectsBadOptionsWithAClearMessage() {
        InstallOptions d = InstallOptions.defaults();
        assertThatThrownBy(() -> new InstallOptions("Trellis_System", d.imageRepository(), d.imageTag(),
                d.trustDomain(), 1, d.controller(), d.nodeProxy(), d.nodeAgent(), d.cniBinDir(), d.cniConfDir(),
                d.logLevel())).hasMessageContaining("DNS-1123");
        assertThatThrownBy(() -> new ResourceSettings("lots", "1Gi", "1Gi")).hasMessageContaining("quantity");
        assertThatThrownBy(() -> new InstallOptions(d.namespace(), d.imageRepository(), d.imageTag(),
                d.trustDomain(), 0, d.controller(), d.nodeProxy(), d.nodeAgent(), d.cniBinDir(), d.cniConfDir(),
                d.logLevel())).hasMessageContaining("replicas");
    }

    /** Every kind Kubernetes mode informs on is listable and watchable; the status writes are allowed. */
    @Test
    void controllerRbacCoversItsInformersAndStatusWrites() {
        List<HasMetadata> objects = ManifestRenderer.render(OPTIONS);
        ClusterRoleBinding binding = (ClusterRoleBinding) objects.stream()
                .filter(o -> o instanceof ClusterRoleBinding && o.getMetadata().getName().equals("trellis-controller"))
                .findFirst().orElseThrow();
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo("trellis-controller");
            assertThat(s.getNamespace()).isEqualTo(OPTIONS.namespace());
        });
        ClusterRole role = (ClusterRole) objects.stream().filter(o -> o instanceof ClusterRole
                && o.getMetadata().getName().equals(binding.getRoleRef().getName())).findFirst().orElseThrow();
        for (CustomResourceDefinitionContext kind : KubernetesKinds.ALL) {
            assertThat(allows(role, kind.getGroup(), kind.getPlural(), "list")).as(kind.getPlural()).isTrue();
            assertThat(allows(role, kind.getGroup(), kind.getPlural(), "watch")).as(kind.getPlural()).isTrue();
            // its own kinds' status, and the status of the Gateways it runs waypoints for
            boolean ownStatus = kind.getGroup().equals("trellis.io") || kind.getKind().equals("Gateway");
            assertThat(allows(role, kind.getGroup(), kind.getPlural() + "/status", "update")).isEqualTo(ownStatus);
            // the waypoint deployer creates and deletes Services and ServiceAccounts, never config objects
            boolean deployed = List.of("services", "serviceaccounts").contains(kind.getPlural());
            assertThat(allows(role, kind.getGroup(), kind.getPlural(), "create")).as(kind.getPlural()).isEqualTo(deployed);
            assertThat(allows(role, kind.getGroup(), kind.getPlural(), "delete")).as(kind.getPlural()).isEqualTo(deployed);
        }
        assertThat(allows(role, "", "secrets", "get")).isFalse();
    }

    /** Every controller replica loads the one CA from Secret trellis-ca, readable by its group only. */
    @Test
    void controllerReplicasShareTheCaFromASecret() {
        io.fabric8.kubernetes.api.model.apps.Deployment d = ManifestRenderer.render(OPTIONS).stream()
                .filter(o -> o instanceof io.fabric8.kubernetes.api.model.apps.Deployment)
                .map(o -> (io.fabric8.kubernetes.api.model.apps.Deployment) o).findFirst().orElseThrow();
        var pod = d.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().getFirst();
        int at = container.getArgs().indexOf("--ca-dir");
        assertThat(at).isNotNegative();
        String dir = container.getArgs().get(at + 1);
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo(dir);
            assertThat(m.getReadOnly()).isTrue();
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo(m.getName());
                assertThat(v.getSecret().getSecretName()).isEqualTo("trellis-ca");
                assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
            });
        });
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(pod.getSecurityContext().getRunAsUser());
    }

    private static boolean allows(ClusterRole role, String group, String resource, String verb) {
        for (PolicyRule r : role.getRules()) {
            if (r.getApiGroups().contains(group) && r.getResources().contains(resource) && r.getVerbs().contains(verb)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void nodeProxyHasExactlyTheDocumentedPrivileges() {
        DaemonSet ds = (DaemonSet) ManifestRenderer.render(OPTIONS).stream()
                .filter(o -> o.getMetadata().getName().equals("trellis-node-proxy") && o instanceof DaemonSet)
                .findFirst().orElseThrow();
        var pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });
        var c = pod.getContainers().getFirst();
        assertThat(c.getSecurityContext().getPrivileged()).isFalse();
        Capabilities caps = c.getSecurityContext().getCapabilities();
        assertThat(caps.getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN");
        assertThat(caps.getDrop()).containsExactly("ALL");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
        assertThat(pod.getVolumes()).filteredOn(v -> v.getHostPath() != null).extracting(v -> v.getHostPath().getPath())
                .containsExactlyInAnyOrder("/var/run/trellis", "/var/run/netns");
        // besides the host paths: the mesh root (a ConfigMap, never the CA key) and a projected, expiring token
        assertThat(pod.getVolumes()).filteredOn(v -> v.getHostPath() == null).allSatisfy(v -> {
            assertThat(v.getSecret()).as(v.getName()).isNull();
            assertThat(v.getConfigMap() != null || v.getProjected() != null).as(v.getName()).isTrue();
        }).hasSize(2);
        assertThat(pod.getVolumes()).filteredOn(v -> v.getProjected() != null).singleElement().satisfies(v ->
                assertThat(v.getProjected().getSources().getFirst().getServiceAccountToken().getExpirationSeconds())
                        .isEqualTo(3600L));
        // minted for the controller, which is the audience its TokenReview asks the API server for
        assertThat(pod.getVolumes()).filteredOn(v -> v.getProjected() != null).singleElement().satisfies(v ->
                assertThat(v.getProjected().getSources().getFirst().getServiceAccountToken().getAudience())
                        .isEqualTo(io.trellis.controller.ca.TokenReviewAuthenticator.AUDIENCE));
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }

    /** Every field the controller's shipped examples use exists in the CRD schema with a compatible type. */
    @Test
    void crdSchemasAcceptTheControllersExamples() throws Exception {
        Map<String, JSONSchemaProps> schemas = new java.util.HashMap<>();
        ManifestRenderer.render(OPTIONS).stream().filter(o -> o instanceof CustomResourceDefinition)
                .map(o -> (CustomResourceDefinition) o).forEach(crd -> schemas.put(crd.getSpec().getNames().getKind(),
                        crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema()));
        YAMLMapper yaml = new YAMLMapper();
        int checked = 0;
        try (Stream<Path> files = Files.walk(Path.of("..", "controller", "examples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                for (JsonNode doc : yaml.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile()).readAll()) {
                    if (doc.path("apiVersion").asText().equals("trellis.io/v1alpha1")) {
                        JSONSchemaProps schema = schemas.get(doc.get("kind").asText());
                        assertThat(schema).as(doc.get("kind").asText()).isNotNull();
                        List<String> problems = new ArrayList<>();
                        SchemaWalk.check(schema, doc, "", problems);
                        assertThat(problems).as(f + " " + doc.at("/metadata/name")).isEmpty();
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(2);
        // and the walk does reject what the schema forbids
        List<String> problems = new ArrayList<>();
        SchemaWalk.check(schemas.get("ResiliencePolicy"), yaml.readTree("""
                spec:
                  targetRefs: [{kind: Service, name: r}]
                  retryBudget: {percent: 120, budget: 1}
                  outlierDetection: {interval: 10 seconds}
                """), "", problems);
        assertThat(problems).hasSize(3);
    }

    /** A small structural check: known properties, types, enums, ranges, patterns, required fields. */
    static final class SchemaWalk {
        static void check(JSONSchemaProps s, JsonNode v, String path, List<String> problems) {
            if (Boolean.TRUE.equals(s.getXKubernetesIntOrString())) {
                if (!v.isInt() && !v.isTextual()) {
                    problems.add(path + ": int or string expected");
                }
                return;
            }
            switch (s.getType() == null ? "" : s.getType()) {
                case "object" -> {
                    if (!v.isObject()) {
                        problems.add(path + ": object expected");
                        return;
                    }
                    for (String r : s.getRequired()) {
                        if (!v.has(r)) {
                            problems.add(path + "." + r + ": required");
                        }
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                        var e = it.next();
                        JSONSchemaProps p = s.getProperties().get(e.getKey());
                        if (p == null && s.getAdditionalProperties() != null) {
                            p = s.getAdditionalProperties().getSchema();
                        }
                        if (p == null) {
                            if (!s.getProperties().isEmpty()) {
                                problems.add(path + "." + e.getKey() + ": unknown field");
                            }
                            continue;
                        }
                        check(p, e.getValue(), path + "." + e.getKey(), problems);
                    }
                }
                case "array" -> {
                    if (!v.isArray()) {
                        problems.add(path + ": list expected");
                        return;
                    }
                    int i = 0;
                    for (JsonNode item : v) {
                        check(s.getItems().getSchema(), item, path + "[" + i++ + "]", problems);
                    }
                }
                case "string" -> {
                    if (!v.isTextual()) {
                        problems.add(path + ": string expected");
                    } else if (s.getPattern() != null && !v.asText().matches(s.getPattern())) {
                        problems.add(path + ": does not match " + s.getPattern());
                    } else if (!s.getEnum().isEmpty() && s.getEnum().stream().noneMatch(e -> e.asString().equals(v.asText()))) {
                        problems.add(path + ": not one of " + s.getEnum());
                    }
                }
                case "integer", "number" -> {
                    if (!v.isNumber() || (s.getType().equals("integer") && !v.isIntegralNumber())) {
                        problems.add(path + ": " + s.getType() + " expected");
                    } else if ((s.getMinimum() != null && v.asDouble() < s.getMinimum())
                            || (s.getMaximum() != null && v.asDouble() > s.getMaximum())) {
                        problems.add(path + ": out of range");
                    }
                }
                default -> { }
            }
        }
    }
}
