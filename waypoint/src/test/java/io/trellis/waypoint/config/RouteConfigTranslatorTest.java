package io.trellis.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.trellis.waypoint.resilience.FaultInjection;
import io.trellis.waypoint.resilience.RetryOn;
import io.trellis.waypoint.route.Headers;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.route.RequestMirror;
import io.trellis.waypoint.route.RouteResult;
import io.trellis.waypoint.route.RouteTable;
import io.trellis.waypoint.route.WeightedBackend;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@SuppressWarnings("deprecation") // exercises deprecated-but-supported fields such as exact_match
class RouteConfigTranslatorTest {

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  private static com.google.protobuf.Duration millis(int ms) {
    return com.google.protobuf.Duration.newBuilder().setNanos(ms * 1_000_000).build();
  }

  private static Route forward(String prefix, String cluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(cluster))
        .build();
  }

  /** A configuration using every supported feature once. */
  private static RouteConfiguration full() {
    Route canary = Route.newBuilder()
        .setName("reviews-canary")
        .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/reviews")
            .addHeaders(HeaderMatcher.newBuilder().setName("x-user")
                .setStringMatch(StringMatcher.newBuilder().setPrefix("test-").setIgnoreCase(true)))
            .addQueryParameters(QueryParameterMatcher.newBuilder().setName("v").setPresentMatch(true)))
        .setRoute(RouteAction.newBuilder()
            .setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("reviews-v1").setWeight(UInt32Value.of(95)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("reviews-v2").setWeight(UInt32Value.of(5))))
            .setTimeout(seconds(3))
            .setRetryPolicy(RetryPolicy.newBuilder()
                .setRetryOn("5xx,retriable-status-codes, unavailable")
                .setNumRetries(UInt32Value.of(2))
                .setPerTryTimeout(millis(500))
                .addRetriableStatusCodes(409)
                .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(millis(10)).setMaxInterval(millis(100))))
            .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster("reviews-shadow")
                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(
                    FractionalPercent.newBuilder().setNumerator(25).setDenominator(FractionalPercent.DenominatorType.HUNDRED))))
            .addHashPolicy(RouteAction.HashPolicy.newBuilder().setHeader(
                RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-session")))
            .setPrefixRewrite("/v2/reviews"))
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("x-canary").setValue("100%% sure"))
            .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .addRequestHeadersToRemove("x-internal")
        .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("x-served-by").setValue("waypoint")))
        .build();
    Route grpc = Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/shop.Cart/").setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance()))
        .setRoute(RouteAction.newBuilder().setCluster("cart-grpc").setTimeout(seconds(0)))
        .build();
    Route redirect = Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPath("/old"))
        .setRedirect(RedirectAction.newBuilder().setHttpsRedirect(true).setPathRedirect("/new")
            .setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT))
        .build();
    Route teapot = Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("/tea(pot)?")))
        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(418)
            .setBody(DataSource.newBuilder().setInlineString("short and stout")))
        .build();
    Route methodOnly = Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/")
            .addHeaders(HeaderMatcher.newBuilder().setName(":method").setExactMatch("DELETE")))
        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(405))
        .build();
    return RouteConfiguration.newBuilder()
        .setName("reviews.default.svc.cluster.local:9080")
        .setIgnorePortInHostMatching(true)
        .setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(VirtualHost.newBuilder().setName("reviews")
            .addDomains("reviews.default.svc.cluster.local").addDomains("reviews")
            .addRoutes(canary).addRoutes(grpc).addRoutes(redirect).addRoutes(teapot).addRoutes(methodOnly)
            .addRoutes(forward("/", "reviews-v1")))
        .addVirtualHosts(VirtualHost.newBuilder().setName("catch-all").addDomains("*").addRoutes(forward("/", "default")))
        .build();
  }

  private static RouteResult.Matched route(RouteTable t, Request r) {
    return (RouteResult.Matched) t.route(r);
  }

  @Test
  void translatesEverySupportedFeature() throws Exception {
    RouteTable table = RouteConfigTranslator.translate(full());

    Request canaryReq = Request.of("GET", "/reviews/7?v=1", "reviews:9080", Headers.of("x-user", "TEST-bob", "x-session", "s1"));
    RouteResult.Matched m = route(table, canaryReq);
    assertThat(m.route().name()).isEqualTo("reviews-canary");
    var f = (io.trellis.waypoint.route.RouteAction.Forward) m.route().action();
    assertThat(f.backends()).containsExactly(new WeightedBackend("reviews-v1", 95), new WeightedBackend("reviews-v2", 5));
    assertThat(f.timeouts().request()).isEqualTo(Duration.ofSeconds(3));
    assertThat(f.timeouts().perTry()).isEqualTo(Duration.ofMillis(500));
    assertThat(f.retry().retryOn()).containsExactlyInAnyOrder(RetryOn.FIVE_XX, RetryOn.RETRIABLE_STATUS_CODES, RetryOn.UNAVAILABLE);
    assertThat(f.retry().numRetries()).isEqualTo(2);
    assertThat(f.retry().retriableStatusCodes()).containsExactly(409);
    assertThat(f.retry().backoffBase()).isEqualTo(Duration.ofMillis(10));
    assertThat(f.retry().backoffMax()).isEqualTo(Duration.ofMillis(100));
    assertThat(f.retry().retriableMethods()).isEqualTo(io.trellis.waypoint.resilience.RetryPolicy.IDEMPOTENT_METHODS);
    assertThat(f.mirrors()).containsExactly(new RequestMirror("reviews-shadow", 250_000));
    assertThat(f.hashKey(canaryReq)).isEqualTo("s1");
    assertThat(f.pathRewrite().apply("/reviews/7", m.route().match().path())).isEqualTo("/v2/reviews/7");
    Headers upstream = m.route().requestHeaders().apply(Headers.of("x-internal", "1", "x-canary", "old"));
    assertThat(upstream).isEqualTo(Headers.of("x-canary", "100% sure"));
    assertThat(m.route().responseHeaders().apply(Headers.empty()).get("x-served-by")).isEqualTo("waypoint");

    // Without the header or query parameter the canary rule does not apply.
    assertThat(route(table, Request.of("GET", "/reviews/7", "reviews")).route().name()).isEqualTo("reviews/routes[5]");

    Request grpcReq = Request.of("POST", "/shop.Cart/Add", "reviews", Headers.of("content-type", "application/grpc"));
    var grpcAction = (io.trellis.waypoint.route.RouteAction.Forward) route(table, grpcReq).route().action();
    assertThat(grpcAction.backends().getFirst().cluster()).isEqualTo("cart-grpc");
    assertThat(grpcAction.timeouts().request()).isZero();
    assertThat(grpcAction.retry()).isNull();

    var redirect = (io.trellis.waypoint.route.RouteAction.Redirect) route(table, Request.of("GET", "/old?a=b", "reviews")).route().action();
    assertThat(redirect.status()).isEqualTo(308);
    assertThat(redirect.location(Request.of("GET", "/old?a=b", "reviews"), new io.trellis.waypoint.route.PathMatch.Exact("/old")))
        .isEqualTo("https://reviews/new?a=b");

    assertThat(route(table, Request.of("GET", "/teapot", "reviews")).route().action())
        .isEqualTo(new io.trellis.waypoint.route.RouteAction.DirectResponse(418, "short and stout"));
    assertThat(route(table, Request.of("DELETE", "/x", "reviews")).route().action())
        .isEqualTo(new io.trellis.waypoint.route.RouteAction.DirectResponse(405, ""));
    assertThat(route(table, Request.of("GET", "/x", "elsewhere:80")).virtualHost().name()).isEqualTo("catch-all");
  }

  /** The shape the Trellis controller emits for a service with an HTTPRoute (see controller/envoy). */
  @Test
  void acceptsTheControllersRouteShape() throws Exception {
    RouteConfiguration rc = RouteConfiguration.newBuilder().setName("reviews.default.svc.cluster.local:9080")
        .addVirtualHosts(VirtualHost.newBuilder().setName("reviews.default.svc.cluster.local:9080")
            .addDomains("reviews.default.svc.cluster.local").addDomains("reviews.default.svc.cluster.local:9080")
            .addDomains("10.96.0.10").addDomains("10.96.0.10:9080").addDomains("[fd00::a]").addDomains("[fd00::a]:9080")
            .addRoutes(Route.newBuilder().setName("default/reviews")
                .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api")
                    .addHeaders(HeaderMatcher.newBuilder().setName(":method").setStringMatch(StringMatcher.newBuilder().setExact("GET"))))
                .setRoute(RouteAction.newBuilder()
                    .setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("a").setWeight(UInt32Value.of(80)))
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("b").setWeight(UInt32Value.of(20))))
                    .setTimeout(seconds(10))
                    .setRetryPolicy(RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(0)).setPerTryTimeout(seconds(2)))
                    .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster("m")
                        .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
                            .setNumerator(10).setDenominator(FractionalPercent.DenominatorType.HUNDRED)))))
                .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-a").setValue("1"))
                    .setAppendAction(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)))
            .addRoutes(Route.newBuilder().setName("default/zero").setMatch(RouteMatch.newBuilder().setPath("/zero"))
                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(500)))
            .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("reviews"))))
        .build();
    RouteTable table = RouteConfigTranslator.translate(rc);
    assertThat(route(table, Request.of("GET", "/api/x", "[fd00::a]:9080")).route().name()).isEqualTo("default/reviews");
    assertThat(route(table, Request.of("POST", "/api/x", "10.96.0.10")).route().name()).isEqualTo("default");
    var f = (io.trellis.waypoint.route.RouteAction.Forward) route(table, Request.of("GET", "/api", "reviews.default.svc.cluster.local:9080")).route().action();
    assertThat(f.retry().numRetries()).isZero();
    assertThat(f.timeouts()).isEqualTo(new io.trellis.waypoint.route.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(2)));
    assertThat(table.route(Request.of("GET", "/", "other:9080"))).isInstanceOf(RouteResult.NoRoute.class);
  }

  @Test
  void translatesFaultInjection() throws Exception {
    HTTPFault fault = HTTPFault.newBuilder()
        .setDelay(FaultDelay.newBuilder().setFixedDelay(millis(700))
            .setPercentage(FractionalPercent.newBuilder().setNumerator(10).setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
        .setAbort(FaultAbort.newBuilder().setGrpcStatus(14)
            .setPercentage(FractionalPercent.newBuilder().setNumerator(5000).setDenominator(FractionalPercent.DenominatorType.MILLION)))
        .build();
    RouteTable table = RouteConfigTranslator.translate(withRoute(r -> r.setRoute(RouteAction.newBuilder().setCluster("c"))
        .putTypedPerFilterConfig("envoy.filters.http.fault", com.google.protobuf.Any.pack(fault))));
    assertThat(route(table, Request.of("GET", "/z", "h")).route().fault()).isEqualTo(new FaultInjection(
        new FaultInjection.Delay(Duration.ofMillis(700), 100_000), new FaultInjection.Abort(200, 14, 5_000)));
  }

  @Test
  void envoyDefaultsApplyWhenFieldsAreUnset() throws Exception {
    RouteConfiguration rc = RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder().setName("v")
        .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setRoute(RouteAction.newBuilder().setCluster("c").setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("gateway-error")))))
        .build();
    var f = (io.trellis.waypoint.route.RouteAction.Forward) route(RouteConfigTranslator.translate(rc), Request.of("GET", "/", "h")).route().action();
    assertThat(f.timeouts().request()).isEqualTo(Duration.ofSeconds(15));
    assertThat(f.retry().numRetries()).isEqualTo(1);
    assertThat(f.retry().backoffBase()).isEqualTo(Duration.ofMillis(25));
    assertThat(f.retry().backoffMax()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void retriableMethodsComeFromMethodHeaderMatchers() throws Exception {
    RouteConfiguration rc = withRoute(r -> r.setRoute(RouteAction.newBuilder().setCluster("c").setRetryPolicy(
        RetryPolicy.newBuilder().setRetryOn("5xx")
            .addRetriableRequestHeaders(HeaderMatcher.newBuilder().setName(":method").setExactMatch("POST"))
            .addRetriableRequestHeaders(HeaderMatcher.newBuilder().setName(":method")
                .setStringMatch(StringMatcher.newBuilder().setExact("GET"))))));
    var f = (io.trellis.waypoint.route.RouteAction.Forward) route(RouteConfigTranslator.translate(rc), Request.of("GET", "/", "h")).route().action();
    assertThat(f.retry().retriableMethods()).isEqualTo(Set.of("POST", "GET"));
  }

  /** One virtual host with routes 0 and 1 plain, and route 2 built by {@code third}. */
  private static RouteConfiguration withRoute(UnaryOperator<Route.Builder> third) {
    Route.Builder base = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"));
    return RouteConfiguration.newBuilder().setName("rc")
        .addVirtualHosts(VirtualHost.newBuilder().setName("v").addDomains("*")
            .addRoutes(forward("/a", "a")).addRoutes(forward("/b", "b")).addRoutes(third.apply(base)))
        .build();
  }

  static Stream<Arguments> rejected() {
    RouteAction.Builder ok = RouteAction.newBuilder().setCluster("c");
    String r2 = "route_config.virtual_hosts[0].routes[2]";
    return Stream.of(
        Arguments.of("cookie hash", withRoute(r -> r.setRoute(ok.clone().addHashPolicy(RouteAction.HashPolicy.newBuilder()
            .setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName("sid"))))),
            r2 + ".route.hash_policy[0].cookie: not supported"),
        Arguments.of("terminal hash", withRoute(r -> r.setRoute(ok.clone().addHashPolicy(RouteAction.HashPolicy.newBuilder()
            .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x")).setTerminal(true)))),
            r2 + ".route.hash_policy[0].terminal: not supported"),
        Arguments.of("cluster_header", withRoute(r -> r.setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster"))),
            r2 + ".route.cluster_header: not supported"),
        Arguments.of("idle timeout", withRoute(r -> r.setRoute(ok.clone().setIdleTimeout(seconds(5)))),
            r2 + ".route.idle_timeout: not supported"),
        Arguments.of("retry host predicate", withRoute(r -> r.setRoute(ok.clone().setRetryPolicy(RetryPolicy.newBuilder()
            .setRetryOn("5xx").setHostSelectionRetryMaxAttempts(3)))),
            r2 + ".route.retry_policy.host_selection_retry_max_attempts: not supported"),
        Arguments.of("unknown retry_on", withRoute(r -> r.setRoute(ok.clone().setRetryPolicy(RetryPolicy.newBuilder()
            .setRetryOn("5xx,envoy-ratelimited")))),
            r2 + ".route.retry_policy.retry_on: 'envoy-ratelimited' not supported"),
        Arguments.of("bad status code", withRoute(r -> r.setRoute(ok.clone().setRetryPolicy(RetryPolicy.newBuilder()
            .setRetryOn("retriable-status-codes").addRetriableStatusCodes(700)))),
            r2 + ".route.retry_policy.retriable_status_codes[0]: must be in [100, 599], got 700"),
        Arguments.of("negative timeout", withRoute(r -> r.setRoute(ok.clone().setTimeout(
            com.google.protobuf.Duration.newBuilder().setSeconds(-1)))),
            r2 + ".route.timeout: must be a non-negative duration, got -1s 0ns"),
        Arguments.of("huge timeout", withRoute(r -> r.setRoute(ok.clone().setTimeout(seconds(Long.MAX_VALUE / 1000)))),
            r2 + ".route.timeout: must be at most 100 years, got " + (Long.MAX_VALUE / 1000) + "s"),
        Arguments.of("weight overflow", withRoute(r -> r.setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("a").setWeight(UInt32Value.of(-5)))))),
            r2 + ".route.weighted_clusters.clusters[0].weight: must be <= 2147483647"),
        Arguments.of("redirect port overflow", withRoute(r -> r.setRedirect(RedirectAction.newBuilder().setPortRedirect(-1))),
            r2 + ".redirect.port_redirect: must be <= 65535, got 4294967295"),
        Arguments.of("bad regex", withRoute(r -> r.setMatch(RouteMatch.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex("/(unclosed"))).setRoute(ok)),
            r2 + ".match.safe_regex.regex: invalid regex: Unclosed group"),
        Arguments.of("range header match", withRoute(r -> r.setMatch(RouteMatch.newBuilder().setPrefix("/")
            .addHeaders(HeaderMatcher.newBuilder().setName("x").setRangeMatch(
                io.envoyproxy.envoy.type.v3.Int64Range.newBuilder().setStart(1).setEnd(5)))).setRoute(ok)),
            r2 + ".match.headers[0].range_match: not supported"),
        Arguments.of("runtime fraction match", withRoute(r -> r.setMatch(RouteMatch.newBuilder().setPrefix("/")
            .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setRuntimeKey("k"))).setRoute(ok)),
            r2 + ".match.runtime_fraction: not supported"),
        Arguments.of("case insensitive", withRoute(r -> r.setMatch(RouteMatch.newBuilder().setPrefix("/")
            .setCaseSensitive(BoolValue.of(false))).setRoute(ok)),
            r2 + ".match.case_sensitive: only case-sensitive path matching is supported"),
        Arguments.of("no action", withRoute(r -> r),
            r2 + ": one of route, redirect or direct_response is required"),
        Arguments.of("filter action", withRoute(r -> r.setNonForwardingAction(
            io.envoyproxy.envoy.config.route.v3.NonForwardingAction.getDefaultInstance())),
            r2 + ".non_forwarding_action: not supported"),
        Arguments.of("per-route filter config", withRoute(r -> r.setRoute(ok).putTypedPerFilterConfig("envoy.filters.http.cors",
            com.google.protobuf.Any.getDefaultInstance())),
            r2 + ".typed_per_filter_config[\"envoy.filters.http.cors\"]: not supported"),
        Arguments.of("fault of the wrong type", withRoute(r -> r.setRoute(ok).putTypedPerFilterConfig("envoy.filters.http.fault",
            com.google.protobuf.Any.pack(BoolValue.of(true)))),
            r2 + ".typed_per_filter_config[\"envoy.filters.http.fault\"]: expected envoy.extensions.filters.http.fault.v3.HTTPFault, "
                + "got 'type.googleapis.com/google.protobuf.BoolValue'"),
        Arguments.of("fault header abort", withRoute(r -> r.setRoute(ok).putTypedPerFilterConfig("envoy.filters.http.fault",
            com.google.protobuf.Any.pack(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder()
                .setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())).build()))),
            r2 + ".typed_per_filter_config[\"envoy.filters.http.fault\"].abort.header_abort: not supported"),
        Arguments.of("fault max active", withRoute(r -> r.setRoute(ok).putTypedPerFilterConfig("envoy.filters.http.fault",
            com.google.protobuf.Any.pack(HTTPFault.newBuilder().setMaxActiveFaults(UInt32Value.of(3)).build()))),
            r2 + ".typed_per_filter_config[\"envoy.filters.http.fault\"].max_active_faults: not supported"),
        Arguments.of("fault on a redirect", withRoute(r -> r.setRedirect(RedirectAction.newBuilder().setPathRedirect("/x"))
                .putTypedPerFilterConfig("envoy.filters.http.fault", com.google.protobuf.Any.pack(HTTPFault.getDefaultInstance()))),
            r2 + ".typed_per_filter_config[\"envoy.filters.http.fault\"]: fault injection needs a route action (not redirect or direct_response)"),
        Arguments.of("command operator", withRoute(r -> r.setRoute(ok).addRequestHeadersToAdd(HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("x-ip").setValue("%DOWNSTREAM_REMOTE_ADDRESS%")))),
            r2 + ".request_headers_to_add[0].header.value: command operators (%...%) are not supported; write a literal % as %%"),
        Arguments.of("pseudo header", withRoute(r -> r.setRoute(ok).addRequestHeadersToRemove(":path")),
            r2 + ".request_headers_to_remove[0]: ':path' cannot be modified (empty, pseudo-header or host)"),
        Arguments.of("add if absent", withRoute(r -> r.setRoute(ok).addResponseHeadersToAdd(HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey("x").setValue("1"))
            .setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))),
            r2 + ".response_headers_to_add[0].append_action: ADD_IF_ABSENT not supported"),
        Arguments.of("prefix rewrite on exact", withRoute(r -> r.setMatch(RouteMatch.newBuilder().setPath("/x"))
            .setRoute(ok.clone().setPrefixRewrite("/y"))),
            r2 + ".route.prefix_rewrite: needs a prefix or path_separated_prefix match"),
        Arguments.of("regex redirect", withRoute(r -> r.setRedirect(RedirectAction.newBuilder().setRegexRewrite(
            io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.newBuilder().setSubstitution("x")))),
            r2 + ".redirect.regex_rewrite: not supported"),
        Arguments.of("direct response 100", withRoute(r -> r.setDirectResponse(DirectResponseAction.newBuilder().setStatus(100))),
            r2 + ".direct_response.status: must be in [200, 599], got 100"),
        Arguments.of("direct response from file", withRoute(r -> r.setDirectResponse(DirectResponseAction.newBuilder()
            .setStatus(200).setBody(DataSource.newBuilder().setFilename("/etc/passwd")))),
            r2 + ".direct_response.body.filename: not supported"),
        Arguments.of("mirror runtime key", withRoute(r -> r.setRoute(ok.clone().addRequestMirrorPolicies(
            RouteAction.RequestMirrorPolicy.newBuilder().setCluster("m")
                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setRuntimeKey("k"))))),
            r2 + ".route.request_mirror_policies[0].runtime_fraction.runtime_key: not supported"),
        Arguments.of("vhost retry policy", RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder()
            .setName("v").addDomains("*").setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx"))).build(),
            "route_config.virtual_hosts[0].retry_policy: not supported"),
        Arguments.of("duplicate domain", RouteConfiguration.newBuilder()
            .addVirtualHosts(VirtualHost.newBuilder().setName("a").addDomains("x.com"))
            .addVirtualHosts(VirtualHost.newBuilder().setName("b").addDomains("X.com")).build(),
            "route_config.virtual_hosts[1].domains[0]: domain 'x.com' is already used by route_config.virtual_hosts[0]"),
        Arguments.of("bad wildcard", RouteConfiguration.newBuilder()
            .addVirtualHosts(VirtualHost.newBuilder().setName("a").addDomains("a.*.com")).build(),
            "route_config.virtual_hosts[0].domains[0]: 'a.*.com' is not a domain, a '*' prefix/suffix wildcard, or '*'"),
        Arguments.of("validate clusters", RouteConfiguration.newBuilder().setValidateClusters(BoolValue.of(true)).build(),
            "route_config.validate_clusters: only false is supported (routes to unknown clusters answer 503)"),
        Arguments.of("config-level headers", RouteConfiguration.newBuilder().addResponseHeadersToRemove("server").build(),
            "route_config.response_headers_to_remove: not supported"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void nacksNamingTheField(String name, RouteConfiguration config, String expectedError) {
    XdsNackException e = catchThrowableOfType(XdsNackException.class, () -> RouteConfigTranslator.translate(config));
    assertThat(e).as("expected a NACK").isNotNull();
    assertThat(e.errors()).extracting(FieldError::toString).contains(expectedError);
    assertThat(e.getMessage()).contains(expectedError);
  }

  @Test
  void collectsEveryErrorInOnePass() {
    RouteConfiguration rc = RouteConfiguration.newBuilder().setName("rc")
        .addVirtualHosts(VirtualHost.newBuilder().setName("v").addDomains("*")
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c").setIdleTimeout(seconds(1))
                    .addHashPolicy(RouteAction.HashPolicy.newBuilder().setConnectionProperties(
                        RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true)))))
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(42))))
        .build();
    assertThatThrownBy(() -> RouteConfigTranslator.translate(rc))
        .isInstanceOf(XdsNackException.class)
        .hasMessage("RouteConfiguration rc rejected: "
            + "route_config.virtual_hosts[0].routes[0].route.idle_timeout: not supported; "
            + "route_config.virtual_hosts[0].routes[0].route.hash_policy[0].connection_properties: not supported; "
            + "route_config.virtual_hosts[0].routes[1].direct_response.status: must be in [200, 599], got 42");
  }

  @Test
  void unknownFieldsFromANewerEnvoyAreRejected() throws Exception {
    RouteConfiguration withUnknown = RouteConfiguration.parseFrom(RouteConfiguration.newBuilder().setName("rc").build()
        .toByteString().concat(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xf8, (byte) 0x3e, 1})));
    XdsNackException e = catchThrowableOfType(XdsNackException.class, () -> RouteConfigTranslator.translate(withUnknown));
    assertThat(e.errors()).extracting(FieldError::toString)
        .containsExactly("route_config: unknown field numbers [1007] (newer Envoy API?)");
  }
}
