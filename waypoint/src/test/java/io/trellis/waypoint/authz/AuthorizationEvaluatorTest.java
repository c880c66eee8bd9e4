package io.trellis.waypoint.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.waypoint.authz.AuthorizationPolicy.Action;
import io.trellis.waypoint.authz.AuthorizationPolicy.Condition;
import io.trellis.waypoint.authz.AuthorizationPolicy.Operation;
import io.trellis.waypoint.authz.AuthorizationPolicy.Rule;
import io.trellis.waypoint.authz.AuthorizationPolicy.Source;
import io.trellis.waypoint.route.Headers;
import io.trellis.waypoint.route.Request;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuthorizationEvaluatorTest {
  private static final String FRONTEND = "spiffe://cluster.local/ns/web/sa/frontend";
  private static final String BATCH = "spiffe://cluster.local/ns/jobs/sa/batch";

  private static Source principals(String... p) {
    return new Source(List.of(p), List.of(), List.of(), List.of());
  }

  private static Source namespaces(String... ns) {
    return new Source(List.of(), List.of(), List.of(ns), List.of());
  }

  /** Deny /admin/* to everyone outside ns "ops"; allow frontend GETs on /api/*, anything from jobs on *.csv. */
  private static final List<AuthorizationPolicy> POLICIES = List.of(
      new AuthorizationPolicy("shop", "deny-admin", Action.DENY, List.of(new Rule(
          List.of(new Source(List.of(), List.of(), List.of(), List.of("ops"))),
          List.of(Operation.of(List.of("/admin/*"), List.of())), List.of()))),
      new AuthorizationPolicy("shop", "deny-debug-header", Action.DENY, List.of(new Rule(
          List.of(), List.of(), List.of(new Condition("request.headers[x-debug]", List.of("*"), List.of()))))),
      new AuthorizationPolicy("shop", "allow-frontend", Action.ALLOW, List.of(new Rule(
          List.of(principals("cluster.local/ns/web/sa/frontend")),
          List.of(new Operation(List.of(), List.of(), List.of("/api/*"), List.of("/api/internal*"),
              List.of("GET", "HEAD"), List.of())),
          List.of()))),
      new AuthorizationPolicy("shop", "allow-jobs-reports", Action.ALLOW, List.of(new Rule(
          List.of(namespaces("jobs")), List.of(Operation.of(List.of("*.csv"), List.of())), List.of()))),
      new AuthorizationPolicy("shop", "allow-ops", Action.ALLOW, List.of(new Rule(
          List.of(namespaces("ops")), List.of(), List.of()))));

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of(FRONTEND, "GET", "/api/items", Headers.empty(), true, "shop/allow-frontend"),
        Arguments.of(FRONTEND, "HEAD", "/api/items?x=1", Headers.empty(), true, "shop/allow-frontend"),
        Arguments.of(FRONTEND, "POST", "/api/items", Headers.empty(), false, null),
        Arguments.of(FRONTEND, "GET", "/api/internal/x", Headers.empty(), false, null),
        Arguments.of(FRONTEND, "GET", "/other", Headers.empty(), false, null),
        Arguments.of(FRONTEND, "GET", "/admin/users", Headers.empty(), false, "shop/deny-admin"),
        Arguments.of(FRONTEND, "GET", "/api/items", Headers.of("x-debug", "1"), false, "shop/deny-debug-header"),
        Arguments.of(BATCH, "POST", "/reports/q3.csv", Headers.empty(), true, "shop/allow-jobs-reports"),
        Arguments.of(BATCH, "GET", "/reports/q3.pdf", Headers.empty(), false, null),
        Arguments.of("spiffe://cluster.local/ns/ops/sa/admin", "DELETE", "/admin/users", Headers.empty(), true, "shop/allow-ops"),
        Arguments.of(null, "GET", "/api/items", Headers.empty(), false, null),
        Arguments.of(null, "GET", "/admin/x", Headers.empty(), false, "shop/deny-admin"));
  }

  @ParameterizedTest(name = "{0} {1} {2} {3} -> allowed={4} by {5}")
  @MethodSource("requests")
  void denyFirstThenAllow(@Nullable String principal, String method, String path, Headers headers,
      boolean allowed, @Nullable String policy) {
    AuthzDecision d = new AuthorizationEvaluator(POLICIES)
        .evaluate(new AuthzRequest(Request.of(method, path, "shop.svc:8080", headers), principal, null));
    assertThat(d.allowed()).isEqualTo(allowed);
    assertThat(d.policy()).isEqualTo(policy);
  }

  @Test
  void reasonsExplainTheDecision() {
    AuthzRequest r = new AuthzRequest(Request.of("GET", "/", "h"), FRONTEND, null);
    assertThat(new AuthorizationEvaluator(List.of()).evaluate(r).reason()).isEqualTo(AuthzDecision.Reason.NO_POLICIES);
    assertThat(new AuthorizationEvaluator(List.of()).evaluate(r).allowed()).isTrue();
    AuthorizationPolicy denyNothing = new AuthorizationPolicy("a", "d", Action.DENY, List.of());
    assertThat(new AuthorizationEvaluator(List.of(denyNothing)).evaluate(r))
        .isEqualTo(new AuthzDecision(true, AuthzDecision.Reason.NO_DENY_MATCHED, null));
    AuthorizationPolicy allowNothing = new AuthorizationPolicy("a", "nothing", Action.ALLOW, List.of());
    assertThat(new AuthorizationEvaluator(List.of(allowNothing)).evaluate(r))
        .isEqualTo(new AuthzDecision(false, AuthzDecision.Reason.NO_ALLOW_MATCHED, null));
    AuthorizationPolicy allowAll = new AuthorizationPolicy("a", "all", Action.ALLOW,
        List.of(new Rule(List.of(), List.of(), List.of())));
    assertThat(new AuthorizationEvaluator(List.of(allowAll)).evaluate(r))
        .isEqualTo(new AuthzDecision(true, AuthzDecision.Reason.ALLOW_MATCHED, "a/all"));
  }

  static Stream<Arguments> patterns() {
    return Stream.of(
        Arguments.of("*", "x", true), Arguments.of("*", "", false),
        Arguments.of("/api/*", "/api/x", true), Arguments.of("/api/*", "/apix", false),
        Arguments.of("*.csv", "/a/b.csv", true), Arguments.of("*.csv", "/a/b.csvx", false),
        Arguments.of("/exact", "/exact", true), Arguments.of("/exact", "/exact/", false));
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @MethodSource("patterns")
  void istioWildcards(String pattern, String value, boolean expected) {
    assertThat(ValuePattern.matches(pattern, value)).isEqualTo(expected);
  }

  @Test
  void hostsMatchWithOrWithoutPortAndConditionsOnSource() {
    AuthorizationPolicy p = new AuthorizationPolicy("a", "hosts", Action.ALLOW, List.of(new Rule(List.of(),
        List.of(new Operation(List.of("*.example.com"), List.of(), List.of(), List.of(), List.of(), List.of())),
        List.of(new Condition("source.namespace", List.of("web"), List.of())))));
    AuthorizationEvaluator e = new AuthorizationEvaluator(List.of(p));
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "Shop.Example.com:8443"), FRONTEND, null)).allowed()).isTrue();
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "shop.other.com"), FRONTEND, null)).allowed()).isFalse();
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "a.example.com"), BATCH, null)).allowed()).isFalse();
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "a.example.com"), null, "web")).allowed()).isTrue();
  }

  @Test
  void notPrincipalsAndNotValuesExclude() {
    AuthorizationPolicy p = new AuthorizationPolicy("a", "not", Action.DENY, List.of(new Rule(
        List.of(new Source(List.of(), List.of(FRONTEND), List.of(), List.of())), List.of(),
        List.of(new Condition("request.headers[x-tier]", List.of(), List.of("gold"))))));
    AuthorizationEvaluator e = new AuthorizationEvaluator(List.of(p));
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "h"), FRONTEND, null)).allowed()).isTrue();
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "h"), BATCH, null)).allowed()).isFalse();
    assertThat(e.evaluate(new AuthzRequest(Request.of("GET", "/", "h", Headers.of("x-tier", "gold")), BATCH, null)).allowed()).isTrue();
  }

  @Test
  void rejectsUnsupportedConditionKeys() {
    assertThatThrownBy(() -> new Condition("request.auth.claims[iss]", List.of("x"), List.of()))
        .hasMessageContaining("unsupported condition key 'request.auth.claims[iss]'");
  }
}
