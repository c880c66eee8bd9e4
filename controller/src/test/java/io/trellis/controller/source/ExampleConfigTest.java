package io.trellis.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExampleConfigTest {

    private static final Path DEMO = Path.of("examples", "demo");

    @Test
    void demoExampleLoadsWithoutProblems() {
        ConfigSnapshot s = DirectoryConfigSource.load(DEMO);

        assertThat(s.problems()).isEmpty();
        assertThat(s.namespaces()).singleElement()
                .satisfies(n -> assertThat(n.meta().labels()).containsEntry("trellis.io/dataplane-mode", "ambient"));
        assertThat(s.pods()).extracting(p -> p.meta().name())
                .containsExactly("client", "reviews-v1", "reviews-v2", "reviews-waypoint");
        assertThat(s.serviceAccounts()).hasSize(3);
        assertThat(s.services()).extracting(v -> v.meta().name()).containsExactly("reviews", "reviews-v1", "reviews-v2");
        assertThat(s.gateways()).singleElement().satisfies(g -> {
            assertThat(g.gatewayClassName()).isEqualTo("trellis-waypoint");
            assertThat(g.addresses()).containsExactly(InetAddress.ofLiteral("10.42.2.20"));
        });
        assertThat(s.authorizationPolicies()).hasSize(1);
        assertThat(s.resiliencePolicies()).hasSize(1);
    }

    @Test
    void podCarriesNodeIpAndServiceAccountFromYaml() {
        PodConfig v2 = DirectoryConfigSource.load(DEMO).pods().get(2);

        assertThat(v2.nodeName()).isEqualTo("node-b");
        assertThat(v2.podIps()).containsExactly(InetAddress.ofLiteral("10.42.2.11"));
        assertThat(v2.serviceAccount()).isEqualTo("reviews");
        assertThat(v2.namedPorts()).containsEntry("http", 9080);
        assertThat(v2.ready()).isTrue();
    }

    @Test
    void httpRouteSplitsNinetyTenWithRetry() {
        HttpRouteConfig route = DirectoryConfigSource.load(DEMO).httpRoutes().getFirst();

        assertThat(route.parentRefs()).containsExactly(new ParentRef("", "Service", "demo", "reviews", 9080, ""));
        HttpRouteConfig.Rule rule = route.rules().getFirst();
        assertThat(rule.backendRefs()).containsExactly(
                new BackendRef("reviews-v1", "demo", 9080, 90), new BackendRef("reviews-v2", "demo", 9080, 10));
        assertThat(rule.retry()).isEqualTo(new HttpRouteConfig.Retry(List.of(502, 503, 504), 2,
                Duration.ofMillis(100)));
        assertThat(rule.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void policiesDecode() {
        ConfigSnapshot s = DirectoryConfigSource.load(DEMO);
        AuthorizationPolicyConfig authz = s.authorizationPolicies().getFirst();
        assertThat(authz.selector()).containsEntry("app", "reviews");
        assertThat(authz.action()).isEqualTo(AuthorizationPolicyConfig.Action.ALLOW);
        assertThat(authz.rules().getFirst().to().getFirst().ports()).containsExactly(9080);

        ResiliencePolicyConfig res = s.resiliencePolicies().getFirst();
        assertThat(res.circuitBreaker()).isEqualTo(new ResiliencePolicyConfig.CircuitBreaker(100, 50, 200, 3));
        assertThat(res.outlierDetection()).isEqualTo(new ResiliencePolicyConfig.OutlierDetection(5,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 50));
        assertThat(res.retryBudget()).isEqualTo(new ResiliencePolicyConfig.RetryBudget(20, 3));
    }
}
