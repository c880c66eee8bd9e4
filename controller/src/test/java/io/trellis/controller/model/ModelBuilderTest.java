package io.trellis.controller.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.controller.source.ConfigSnapshot;
import java.net.InetAddress;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelBuilderTest {

    private static final MeshSettings SETTINGS = MeshSettings.defaults();

    private static MeshModel model(String yaml) {
        ConfigSnapshot s = ConfigSnapshot.parseYaml("test.yaml", yaml);
        assertThat(s.problems()).isEmpty();
        return ModelBuilder.build(s, SETTINGS);
    }

    private static String namespace(String labels) {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {%s}}
                ---
                """.formatted(labels);
    }

    private static String pod(String name, String labels) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: demo, labels: {%s}}
                spec:
                  nodeName: node-a
                  serviceAccountName: sa-%s
                  containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]
                status: {podIP: 10.0.0.1}
                ---
                """.formatted(name, labels, name);
    }

    static Stream<Arguments> enrollment() {
        return Stream.of(
                Arguments.of("namespace ambient", "trellis.io/dataplane-mode: ambient", "", true),
                Arguments.of("pod opts out", "trellis.io/dataplane-mode: ambient", "trellis.io/dataplane-mode: none",
                        false),
                Arguments.of("pod opts in", "", "trellis.io/dataplane-mode: ambient", true),
                Arguments.of("pod ambient wins over namespace none", "trellis.io/dataplane-mode: none",
                        "trellis.io/dataplane-mode: ambient", true),
                Arguments.of("no label", "", "", false),
                Arguments.of("unknown value", "trellis.io/dataplane-mode: sidecar", "", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enrollment")
    void enrollmentFromNamespaceOrPod(String what, String nsLabels, String podLabels, boolean enrolled) {
        MeshModel m = model(namespace(nsLabels) + pod("p", podLabels));

        assertThat(m.workloads().get("demo/p").enrolled()).isEqualTo(enrolled);
    }

    private static final String WAYPOINT = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: wp, namespace: demo}
            spec:
              gatewayClassName: trellis-waypoint
              listeners: [{name: mesh, port: 15008, protocol: HBONE}]
              addresses: [{value: 10.0.9.9}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: ingress, namespace: demo}
            spec:
              gatewayClassName: other
              addresses: [{value: 10.0.9.8}]
            ---
            """;

    private static String service(String labels) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: demo, labels: {%s}}
                spec:
                  selector: {app: web}
                  clusterIP: 10.96.0.1
                  ports: [{port: 80, targetPort: web, appProtocol: http}, {port: 81, targetPort: 9090}, {port: 82}]
                ---
                """.formatted(labels);
    }

    static Stream<Arguments> waypointBinding() {
        return Stream.of(
                Arguments.of("service label", "", "trellis.io/use-waypoint: wp", "wp"),
                Arguments.of("namespace label", "trellis.io/use-waypoint: wp", "", "wp"),
                Arguments.of("service none overrides namespace", "trellis.io/use-waypoint: wp",
                        "trellis.io/use-waypoint: none", null),
                Arguments.of("unknown gateway", "", "trellis.io/use-waypoint: missing", null),
                Arguments.of("gateway of another class", "", "trellis.io/use-waypoint: ingress", null),
                Arguments.of("no label", "", "", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("waypointBinding")
    void serviceWaypointBinding(String what, String nsLabels, String svcLabels, String expected) {
        MeshModel m = model(namespace(nsLabels) + WAYPOINT + service(svcLabels));

        ServiceModel s = m.services().get("demo/web.demo.svc.cluster.local");
        if (expected == null) {
            assertThat(s.waypoint()).isNull();
        } else {
            assertThat(s.waypoint()).isNotNull();
            assertThat(s.waypoint().name()).isEqualTo(expected);
            assertThat(s.waypoint().address()).isEqualTo(InetAddress.ofLiteral("10.0.9.9"));
            assertThat(s.waypoint().hbonePort()).isEqualTo(15008);
        }
    }

    @Test
    void waypointIdentityIsItsPodsServiceAccount() {
        MeshModel m = model(WAYPOINT + pod("wp-pod", "gateway.networking.k8s.io/gateway-name: wp"));

        assertThat(m.waypoints().get("demo/wp").identity())
                .isEqualTo("spiffe://cluster.local/ns/demo/sa/sa-wp-pod");
    }

    @Test
    void waypointPodIsNeverBoundToAWaypoint() {
        MeshModel m = model(WAYPOINT + pod("wp-pod",
                "gateway.networking.k8s.io/gateway-name: wp, trellis.io/use-waypoint: wp")
                + pod("app", "trellis.io/use-waypoint: wp"));

        assertThat(m.workloads().get("demo/wp-pod").waypoint()).isNull();
        assertThat(m.workloads().get("demo/app").waypoint()).isNotNull();
    }

    @Test
    void selectorPicksEndpointsAndResolvesTargetPorts() {
        MeshModel m = model(service("") + pod("a", "app: web") + pod("b", "app: other") + """
                apiVersion: v1
                kind: Pod
                metadata: {name: elsewhere, namespace: other, labels: {app: web}}
                spec: {}
                """);

        ServiceModel s = m.services().get("demo/web.demo.svc.cluster.local");
        assertThat(s.endpoints()).containsExactly("demo/a");
        assertThat(m.workloads().get("demo/a").services()).containsOnlyKeys("demo/web.demo.svc.cluster.local");
        assertThat(m.workloads().get("demo/a").services().get("demo/web.demo.svc.cluster.local")).containsExactly(
                new WorkloadModel.PortMapping(80, 8080),
                new WorkloadModel.PortMapping(81, 9090),
                new WorkloadModel.PortMapping(82, 82));
        assertThat(m.workloads().get("demo/b").services()).isEmpty();
        assertThat(m.workloads().get("other/elsewhere").services()).isEmpty();
    }

    @Test
    void authorizationScopes() {
        MeshModel m = model(pod("a", "app: web") + pod("b", "app: db") + """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: mesh-wide, namespace: trellis-system}
                spec: {action: DENY}
                ---
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: ns-wide, namespace: demo}
                spec: {}
                ---
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: web-only, namespace: demo}
                spec: {selector: {matchLabels: {app: web}}}
                """);

        assertThat(m.authorizations().get("trellis-system/mesh-wide").scope()).isEqualTo(AuthorizationModel.Scope.GLOBAL);
        assertThat(m.authorizations().get("demo/ns-wide").scope()).isEqualTo(AuthorizationModel.Scope.NAMESPACE);
        assertThat(m.authorizations().get("demo/web-only").scope())
                .isEqualTo(AuthorizationModel.Scope.WORKLOAD_SELECTOR);
        assertThat(m.workloads().get("demo/a").authorizationPolicies()).containsExactly("demo/web-only");
        assertThat(m.workloads().get("demo/b").authorizationPolicies()).isEmpty();
    }

    @Test
    void serviceAccountsByNodeForTheCa() {
        MeshModel m = model(pod("a", "") + """
                apiVersion: v1
                kind: Pod
                metadata: {name: x, namespace: other}
                spec: {nodeName: node-b, serviceAccountName: worker}
                """);

        assertThat(m.nodeRuns("node-a", "demo", "sa-a")).isTrue();
        assertThat(m.nodeRuns("node-b", "other", "worker")).isTrue();
        assertThat(m.nodeRuns("node-a", "other", "worker")).isFalse();
    }

    @Test
    void sameConfigGivesEqualModel() {
        String yaml = namespace("trellis.io/dataplane-mode: ambient") + WAYPOINT + service("") + pod("a", "app: web");

        assertThat(model(yaml)).isEqualTo(model(yaml));
    }
}
