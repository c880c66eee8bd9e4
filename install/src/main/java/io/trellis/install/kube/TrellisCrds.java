package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CRDs of the project's own kinds ({@code trellis.io/v1alpha1}). The OpenAPI schemas follow what the
 * controller's decoder accepts (field names, types, ranges), so the API server rejects what the controller
 * would reject; the controller still validates everything (a schema cannot say "at least one of").
 */
final class TrellisCrds {

    static final String GROUP = "trellis.io";
    static final String VERSION = "v1alpha1";

    private TrellisCrds() {}

    static List<CustomResourceDefinition> all(Map<String, String> labels) {
        return List.of(crd("AuthorizationPolicy", "authorizationpolicies", List.of("ap"), authorizationSpec(), labels),
                crd("ResiliencePolicy", "resiliencepolicies", List.of("rp"), resilienceSpec(), labels));
    }

    private static CustomResourceDefinition crd(String kind, String plural, List<String> shortNames,
                                                JSONSchemaProps spec, Map<String, String> labels) {
        Map<String, JSONSchemaProps> top = new LinkedHashMap<>();
        top.put("apiVersion", string());
        top.put("kind", string());
        top.put("metadata", new JSONSchemaPropsBuilder().withType("object").build());
        top.put("spec", spec);
        top.put("status", status());
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + GROUP).withLabels(labels).endMetadata()
                .withNewSpec()
                .withGroup(GROUP)
                .withScope("Namespaced")
                .withNewNames().withKind(kind).withListKind(kind + "List").withPlural(plural)
                .withSingular(kind.toLowerCase(java.util.Locale.ROOT)).withShortNames(shortNames)
                .withCategories("trellis").endNames()
                .addNewVersion().withName(VERSION).withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withOpenAPIV3Schema(new JSONSchemaPropsBuilder().withType("object")
                        .withProperties(top).withRequired("spec").build()).endSchema()
                .endVersion()
                .endSpec()
                .build();
    }

    private static JSONSchemaProps authorizationSpec() {
        JSONSchemaProps source = object(Map.of(
                "principals", strings(), "notPrincipals", strings(),
                "namespaces", strings(), "notNamespaces", strings(),
                "ipBlocks", strings(), "notIpBlocks", strings()));
        JSONSchemaProps operation = object(Map.of(
                "ports", ports(), "notPorts", ports(), "methods", strings(), "paths", strings()));
        JSONSchemaProps rule = object(Map.of(
                "from", list(required(object(Map.of("source", source)), "source")),
                "to", list(required(object(Map.of("operation", operation)), "operation"))));
        Map<String, JSONSchemaProps> spec = new LinkedHashMap<>();
        spec.put("selector", object(Map.of("matchLabels", new JSONSchemaPropsBuilder().withType("object")
                .withNewAdditionalProperties().withSchema(string()).endAdditionalProperties().build())));
        spec.put("action", new JSONSchemaPropsBuilder().withType("string").withEnum(
                List.of(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("ALLOW"),
                        tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("DENY")))
                .withDefault(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("ALLOW")).build());
        spec.put("rules", list(rule));
        return object(spec);
    }

    private static JSONSchemaProps resilienceSpec() {
        JSONSchemaProps targetRef = required(object(Map.of(
                "group", string(), "kind", new JSONSchemaPropsBuilder().withType("string")
                        .withEnum(List.of(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("Service"))).build(),
                "name", new JSONSchemaPropsBuilder().withType("string").withMinLength(1L).build(),
                "namespace", string(), "sectionName", string(), "port", integer(1, 65535))), "kind", "name");
        Map<String, JSONSchemaProps> spec = new LinkedHashMap<>();
        spec.put("targetRefs", new JSONSchemaPropsBuilder(list(targetRef)).withMinItems(1L).build());
        spec.put("retryBudget", object(Map.of(
                "percent", new JSONSchemaPropsBuilder().withType("number").withMinimum(0.0).withMaximum(100.0).build(),
                "minRetryConcurrency", integer(0, 1 << 20))));
        spec.put("circuitBreaker", object(Map.of(
                "maxConnections", integer(1, Integer.MAX_VALUE), "maxPendingRequests", integer(1, Integer.MAX_VALUE),
                "maxRequests", integer(1, Integer.MAX_VALUE), "maxRetries", integer(0, Integer.MAX_VALUE))));
        spec.put("outlierDetection", object(Map.of(
                "consecutive5xx", integer(1, 1000), "interval", duration(), "baseEjectionTime", duration(),
                "maxEjectionPercent", integer(0, 100))));
        return required(object(spec), "targetRefs");
    }

    private static JSONSchemaProps status() {
        JSONSchemaProps condition = object(Map.of(
                "type", string(), "status", string(), "reason", string(), "message", string(),
                "lastTransitionTime", string(), "observedGeneration", new JSONSchemaPropsBuilder()
                        .withType("integer").withFormat("int64").build()));
        return object(Map.of("conditions", list(condition)));
    }

    private static JSONSchemaProps object(Map<String, JSONSchemaProps> properties) {
        return new JSONSchemaPropsBuilder().withType("object").withProperties(new java.util.TreeMap<>(properties))
                .build();
    }

    private static JSONSchemaProps required(JSONSchemaProps schema, String... fields) {
        return new JSONSchemaPropsBuilder(schema).withRequired(fields).build();
    }

    private static JSONSchemaProps list(JSONSchemaProps items) {
        return new JSONSchemaPropsBuilder().withType("array").withNewItems().withSchema(items).endItems().build();
    }

    private static JSONSchemaProps string() {
        return new JSONSchemaPropsBuilder().withType("string").build();
    }

    private static JSONSchemaProps strings() {
        return list(new JSONSchemaPropsBuilder().withType("string").withMinLength(1L).build());
    }

    /** The decoder takes a port as a number or a numeric string ({@code "9080"}). */
    private static JSONSchemaProps ports() {
        return list(new JSONSchemaPropsBuilder().withXKubernetesIntOrString(true).build());
    }

    private static JSONSchemaProps integer(int min, int max) {
        return new JSONSchemaPropsBuilder().withType("integer").withFormat("int32").withMinimum((double) min)
                .withMaximum((double) max).build();
    }

    /** Gateway API style durations, as the decoder parses them: {@code 10s}, {@code 500ms}, {@code 1m30s}. */
    private static JSONSchemaProps duration() {
        return new JSONSchemaPropsBuilder().withType("string").withPattern("^([0-9]{1,5}(h|ms|m|s)){1,4}$").build();
    }
}
