package io.trellis.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each bad document is reported with its object and field, and the good document next to it survives. */
class InvalidResourceTest {

    private static final String GOOD = """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: survivor, namespace: demo}
            """;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("bad pod IP", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: p, namespace: demo}
                        spec: {nodeName: n1}
                        status: {podIP: 10.0.0.300}
                        """, "Pod/demo/p", "status.podIP"),
                Arguments.of("hostname instead of IP is not resolved", """
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: p, namespace: demo}
                        spec: {}
                        status: {podIP: example.com}
                        """, "Pod/demo/p", "status.podIP"),
                Arguments.of("service port out of range", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: s, namespace: demo}
                        spec: {ports: [{port: 70000}]}
                        """, "Service/demo/s", "spec.ports[0].port"),
                Arguments.of("service name not a DNS label", """
                        apiVersion: v1
                        kind: Service
                        metadata: {name: My_Service, namespace: demo}
                        spec: {ports: [{port: 80}]}
                        """, "Service/demo/My_Service", "metadata.name"),
                Arguments.of("route without parents", """
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: HTTPRoute
                        metadata: {name: r, namespace: demo}
                        spec: {rules: []}
                        """, "HTTPRoute/demo/r", "spec.parentRefs"),
                Arguments.of("bad timeout", """
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: HTTPRoute
                        metadata: {name: r, namespace: demo}
                        spec:
                          parentRefs: [{kind: Service, name: s}]
                          rules: [{timeouts: {request: 5 seconds}}]
                        """, "HTTPRoute/demo/r", "spec.rules[0].timeouts.request"),
                Arguments.of("retry of a non-error code", """
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: HTTPRoute
                        metadata: {name: r, namespace: demo}
                        spec:
                          parentRefs: [{kind: Service, name: s}]
                          rules: [{retry: {codes: [200]}}]
                        """, "HTTPRoute/demo/r", "spec.rules[0].retry.codes[0]"),
                Arguments.of("authz action", """
                        apiVersion: trellis.io/v1alpha1
                        kind: AuthorizationPolicy
                        metadata: {name: a, namespace: demo}
                        spec: {action: MAYBE}
                        """, "AuthorizationPolicy/demo/a", "spec.action"),
                Arguments.of("authz CIDR", """
                        apiVersion: trellis.io/v1alpha1
                        kind: AuthorizationPolicy
                        metadata: {name: a, namespace: demo}
                        spec: {rules: [{from: [{source: {ipBlocks: [10.0.0.0/40]}}]}]}
                        """, "AuthorizationPolicy/demo/a", "spec.rules[0].from[0].source.ipBlocks[0]"),
                Arguments.of("resilience policy targeting a Gateway", """
                        apiVersion: trellis.io/v1alpha1
                        kind: ResiliencePolicy
                        metadata: {name: x, namespace: demo}
                        spec:
                          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g}]
                          circuitBreaker: {maxConnections: 1}
                        """, "ResiliencePolicy/demo/x", "spec.targetRefs[0].kind"),
                Arguments.of("unknown trellis kind", """
                        apiVersion: trellis.io/v1alpha1
                        kind: TrafficPolicy
                        metadata: {name: x, namespace: demo}
                        """, "TrafficPolicy/demo/x", "kind"),
                Arguments.of("missing metadata", """
                        apiVersion: v1
                        kind: Namespace
                        """, "Namespace (document#1)", "metadata"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsFieldAndKeepsTheRest(String what, String bad, String object, String field) {
        YamlDocuments.Result r = YamlDocuments.parse("f.yaml", bad + "---\n" + GOOD);

        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.origin()).isEqualTo("f.yaml");
            assertThat(p.object()).isEqualTo(object);
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.describe()).contains("file=f.yaml", "object=" + object, "field=" + field);
        });
        assertThat(r.objects()).singleElement().extracting(o -> o.meta().name()).isEqualTo("survivor");
    }

    @org.junit.jupiter.api.Test
    void syntaxErrorKeepsEarlierDocuments() {
        YamlDocuments.Result r = YamlDocuments.parse("f.yaml", GOOD + "---\nkind: [unclosed\n");

        assertThat(r.objects()).hasSize(1);
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("YAML syntax"));
    }

    @org.junit.jupiter.api.Test
    void emptyOptionalStringsAreAbsent() {
        YamlDocuments.Result r = YamlDocuments.parse("f.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: s, namespace: demo}
                spec: {clusterIP: 10.96.0.9, ports: [{name: "", port: 80, targetPort: 8080, protocol: TCP}]}
                """);

        assertThat(r.problems()).isEmpty();
        assertThat(((ServiceConfig) r.objects().getFirst()).ports().getFirst().name()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void otherKindsAreIgnored() {
        YamlDocuments.Result r = YamlDocuments.parse("f.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: d}
                """);

        assertThat(r.objects()).isEmpty();
        assertThat(r.problems()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void grpcRouteDecodes() {
        YamlDocuments.Result r = YamlDocuments.parse("f.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: g, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: greeter, port: 50051}]
                  rules:
                    - matches: [{method: {service: helloworld.Greeter, method: SayHello}}]
                      backendRefs: [{name: greeter-v1, port: 50051, weight: 80}, {name: greeter-v2, port: 50051, weight: 20}]
                """);

        assertThat(r.problems()).isEmpty();
        GrpcRouteConfig g = (GrpcRouteConfig) r.objects().getFirst();
        assertThat(g.rules().getFirst().matches()).containsExactly(
                new GrpcRouteConfig.Match("helloworld.Greeter", "SayHello", java.util.List.of()));
        assertThat(g.rules().getFirst().backendRefs()).extracting(BackendRef::weight).containsExactly(80, 20);
    }
}
