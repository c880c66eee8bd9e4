package io.trellis.controller.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.DirectoryConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvoyTranslationTest {

    private static final String REVIEWS = "reviews.demo.svc.cluster.local";

    private static EnvoyResources demo() {
        return EnvoyResources.of(ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
                MeshSettings.defaults()));
    }

    private static RouteConfiguration routeConfig(EnvoyResources r, String name) {
        return r.routes().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void demoSplitsNinetyTenWithRetriesAndTimeout() {
        RouteConfiguration rc = routeConfig(demo(), REVIEWS + ":9080");

        assertThat(rc.getVirtualHosts(0).getDomainsList()).contains(REVIEWS, REVIEWS + ":9080", "10.96.0.20:9080");
        Route split = rc.getVirtualHosts(0).getRoutes(0);
        assertThat(split.getMatch().getPrefix()).isEqualTo("/");
        assertThat(split.getRoute().getWeightedClusters().getClustersList()).containsExactly(
                WeightedCluster.ClusterWeight.newBuilder().setName("outbound|9080||reviews-v1.demo.svc.cluster.local")
                        .setWeight(UInt32Value.of(90)).build(),
                WeightedCluster.ClusterWeight.newBuilder().setName("outbound|9080||reviews-v2.demo.svc.cluster.local")
                        .setWeight(UInt32Value.of(10)).build());
        assertThat(split.getRoute().getTimeout().getSeconds()).isEqualTo(5);
        RetryPolicy retry = split.getRoute().getRetryPolicy();
        assertThat(retry.getNumRetries().getValue()).isEqualTo(2);
        assertThat(retry.getRetriableStatusCodesList()).containsExactly(502, 503, 504);
        assertThat(retry.getRetryOn()).contains("retriable-status-codes");
        assertThat(retry.getRetryBackOff().getBaseInterval().getNanos()).isEqualTo(100_000_000);
        // the catch-all to the service itself comes last
        assertThat(rc.getVirtualHosts(0).getRoutesList().getLast().getRoute().getCluster())
                .isEqualTo("outbound|9080||" + REVIEWS);
    }

    @Test
    void demoResiliencePolicyBecomesCircuitBreakersOutlierDetectionAndRetryBudget() {
        Cluster c = demo().clusters().stream().filter(x -> x.getName().equals("outbound|9080||" + REVIEWS))
                .findFirst().orElseThrow();

        assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(c.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        var t = c.getCircuitBreakers().getThresholds(0);
        assertThat(t.getMaxConnections().getValue()).isEqualTo(100);
        assertThat(t.getMaxPendingRequests().getValue()).isEqualTo(50);
        assertThat(t.getMaxRequests().getValue()).isEqualTo(200);
        assertThat(t.getMaxRetries().getValue()).isEqualTo(3);
        assertThat(t.getRetryBudget().getBudgetPercent().getValue()).isEqualTo(20.0);
        assertThat(t.getRetryBudget().getMinRetryConcurrency().getValue()).isEqualTo(3);
        assertThat(c.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(5);
        assertThat(c.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(30);
        assertThat(c.getOutlierDetection().getMaxEjectionPercent().getValue()).isEqualTo(50);

        Cluster plain = demo().clusters().stream()
                .filter(x -> x.getName().equals("outbound|9080||reviews-v1.demo.svc.cluster.local"))
                .findFirst().orElseThrow();
        assertThat(plain.hasCircuitBreakers()).isFalse();
        assertThat(plain.hasOutlierDetection()).isFalse();
    }

    @Test
    void demoEndpointsResolveNamedTargetPorts() {
        ClusterLoadAssignment cla = demo().endpoints().stream()
                .filter(x -> x.getClusterName().equals("outbound|9080||" + REVIEWS)).findFirst().orElseThrow();

        assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(1);
        assertThat(cla.getEndpoints(0).getLbEndpointsList()).extracting(LbEndpoint::getEndpoint)
                .extracting(e -> e.getAddress().getSocketAddress().getAddress() + ":"
                        + e.getAddress().getSocketAddress().getPortValue())
                .containsExactlyInAnyOrder("10.42.1.11:9080", "10.42.2.11:9080");
    }

    @Test
    void apiListenerPointsAtItsRoutesOverAds() throws Exception {
        Listener l = demo().listeners().stream().filter(x -> x.getName().equals(REVIEWS + ":9080")).findFirst()
                .orElseThrow();

        HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(REVIEWS + ":9080");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm.getHttpFiltersList().getLast().getName()).isEqualTo("envoy.filters.http.router");
    }

    private static final String SERVICES = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: demo}
            spec: {selector: {app: web}, ports: [{port: 80}, {port: 81}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web-v2, namespace: demo}
            spec: {selector: {app: web, v: "2"}, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: shadow, namespace: demo}
            spec: {selector: {app: shadow}, ports: [{port: 80}]}
            ---
            """;

    static Stream<Arguments> httpRules() {
        return Stream.<Arguments>of(
                Arguments.of("exact path", "{matches: [{path: {type: Exact, value: /login}}], "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getMatch().getPath().equals("/login")
                                && r.getRoute().getCluster().equals("outbound|80||web-v2.demo.svc.cluster.local")),
                Arguments.of("prefix matches whole segments", "{matches: [{path: {value: /api/}}], "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getMatch().getPathSeparatedPrefix().equals("/api")),
                Arguments.of("regex path", "{matches: [{path: {type: RegularExpression, value: '/v[0-9]+/.*'}}], "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getMatch().getSafeRegex().getRegex().equals("/v[0-9]+/.*")),
                Arguments.of("method and header", "{matches: [{method: POST, headers: [{name: X-Canary, value: "
                        + "'yes'}]}], backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getMatch().getHeadersList().stream().map(HeaderMatcher::getName)
                                .toList().equals(List.of("x-canary", ":method"))),
                Arguments.of("missing backend answers 500", "{backendRefs: [{name: nope, port: 80}]}",
                        (Predicate<Route>) r -> r.getDirectResponse().getStatus() == 500),
                Arguments.of("backend timeout is a per-try timeout", "{timeouts: {backendRequest: 250ms}, "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getRoute().getRetryPolicy().getPerTryTimeout().getNanos()
                                == 250_000_000),
                Arguments.of("request header modifier", "{filters: [{type: RequestHeaderModifier, "
                        + "requestHeaderModifier: {set: [{name: x-env, value: prod}], remove: [x-debug]}}], "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getRequestHeadersToAdd(0).getHeader().getKey().equals("x-env")
                                && r.getRequestHeadersToRemoveList().equals(List.of("x-debug"))),
                Arguments.of("response header modifier", "{filters: [{type: ResponseHeaderModifier, "
                        + "responseHeaderModifier: {add: [{name: x-served-by, value: trellis}]}}], "
                        + "backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getResponseHeadersToAdd(0).getHeader().getValue().equals("trellis")),
                Arguments.of("mirror", "{filters: [{type: RequestMirror, requestMirror: {backendRef: "
                        + "{name: shadow, port: 80}, percent: 25}}], backendRefs: [{name: web-v2, port: 80}]}",
                        (Predicate<Route>) r -> r.getRoute().getRequestMirrorPolicies(0).getCluster()
                                .equals("outbound|80||shadow.demo.svc.cluster.local")
                                && r.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue()
                                .getNumerator() == 25));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("httpRules")
    void httpRouteRule(String what, String rule, Predicate<Route> expectation) {
        Route first = routes(SERVICES + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: web, port: 80}]
                  rules: [%s]
                """.formatted(rule), "web.demo.svc.cluster.local:80").getFirst();

        assertThat(first).matches(expectation, what);
    }

    @Test
    void routeAttachesOnlyToItsParentPort() {
        String yaml = SERVICES + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: web, port: 81}]
                  rules: [{backendRefs: [{name: web-v2, port: 80}]}]
                """;

        assertThat(routes(yaml, "web.demo.svc.cluster.local:80")).hasSize(1);
        assertThat(routes(yaml, "web.demo.svc.cluster.local:81")).hasSize(2);
    }

    @Test
    void moreSpecificMatchesComeFirst() {
        List<Route> routes = routes(SERVICES + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: web}]
                  rules:
                    - {matches: [{path: {value: /a}}], backendRefs: [{name: web-v2, port: 80}]}
                    - {matches: [{path: {value: /a/b/c}}], backendRefs: [{name: web-v2, port: 80}]}
                    - {matches: [{path: {type: Exact, value: /a/b}}], backendRefs: [{name: web-v2, port: 80}]}
                """, "web.demo.svc.cluster.local:80");

        assertThat(routes).extracting(Route::getMatch).extracting(m -> m.hasPathSeparatedPrefix()
                ? m.getPathSeparatedPrefix() : m.hasPath() ? "=" + m.getPath() : m.getPrefix())
                .containsExactly("=/a/b", "/a/b/c", "/a", "/");
    }

    static Stream<Arguments> grpcMatches() {
        return Stream.of(
                Arguments.of("service and method", "{service: pkg.Svc, method: Do}", "path", "/pkg.Svc/Do"),
                Arguments.of("service only", "{service: pkg.Svc}", "prefix", "/pkg.Svc/"),
                Arguments.of("method only", "{method: Do}", "regex", "/[^/]+/\\QDo\\E"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grpcMatches")
    void grpcRouteMatches(String what, String method, String kind, String expected) {
        RouteMatch m = routes(SERVICES + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: g, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: web, port: 80}]
                  rules: [{matches: [{method: %s}], backendRefs: [{name: web-v2, port: 80}]}]
                """.formatted(method), "web.demo.svc.cluster.local:80").getFirst().getMatch();

        String actual = switch (kind) {
            case "path" -> m.getPath();
            case "prefix" -> m.getPrefix();
            default -> m.getSafeRegex().getRegex();
        };
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void translationIsStable() {
        assertThat(demo()).isEqualTo(demo());
    }

    private static List<Route> routes(String yaml, String routeName) {
        ConfigSnapshot s = ConfigSnapshot.parseYaml("t.yaml", yaml);
        assertThat(s.problems()).isEmpty();
        MeshModel m = ModelBuilder.build(s, MeshSettings.defaults());
        return routeConfig(EnvoyResources.of(m), routeName).getVirtualHosts(0).getRoutesList();
    }
}
