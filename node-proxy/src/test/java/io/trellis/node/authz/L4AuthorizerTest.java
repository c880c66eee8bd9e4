package io.trellis.node.authz;

import static io.trellis.node.state.TestMesh.id;
import static io.trellis.node.state.TestMesh.ip;
import static io.trellis.node.state.TestMesh.key;
import static io.trellis.node.state.TestMesh.service;
import static io.trellis.node.state.TestMesh.waypoint;
import static io.trellis.node.state.TestMesh.workload;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.identity.SpiffeId;
import io.trellis.node.authz.AuthzDecision.Reason;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.AuthorizationPolicy.Action;
import io.trellis.node.state.AuthorizationPolicy.Destination;
import io.trellis.node.state.AuthorizationPolicy.Rule;
import io.trellis.node.state.AuthorizationPolicy.Scope;
import io.trellis.node.state.AuthorizationPolicy.Source;
import io.trellis.node.state.Cidr;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.PortMapping;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Table-driven: each row is a set of policies, a connection, and the decision Istio users would expect. */
class L4AuthorizerTest {

    private static final WorkloadInfo SERVER = workload("demo", "server", "server", "10.0.1.2", true, null, Map.of(),
            List.of("demo/selected"));
    private static final SpiffeId CLIENT = id("demo", "client");
    private static final SpiffeId OTHER_NS = id("other", "client");
    private static final int PORT = 8080;

    // ---- building blocks for the table ----
    private static Source principals(String... p) {
        return new Source(List.of(p), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    private static Source notPrincipals(String... p) {
        return new Source(List.of(), List.of(p), List.of(), List.of(), List.of(), List.of());
    }

    private static Source namespaces(String... n) {
        return new Source(List.of(), List.of(), List.of(n), List.of(), List.of(), List.of());
    }

    private static Source notNamespaces(String... n) {
        return new Source(List.of(), List.of(), List.of(), List.of(n), List.of(), List.of());
    }

    private static Source ipBlocks(String... cidrs) {
        return new Source(List.of(), List.of(), List.of(), List.of(), cidrs(cidrs), List.of());
    }

    private static Source notIpBlocks(String... cidrs) {
        return new Source(List.of(), List.of(), List.of(), List.of(), List.of(), cidrs(cidrs));
    }

    private static List<Cidr> cidrs(String... cidrs) {
        return Stream.of(cidrs).map(c -> new Cidr(ip(c.substring(0, c.indexOf('/'))),
                Integer.parseInt(c.substring(c.indexOf('/') + 1)))).toList();
    }

    private static Destination ports(Integer... p) {
        return new Destination(List.of(p), List.of());
    }

    private static Destination notPorts(Integer... p) {
        return new Destination(List.of(), List.of(p));
    }

    private static Rule rule(List<Source> from, List<Destination> to) {
        return new Rule(from, to);
    }

    private static Rule from(Source... s) {
        return new Rule(List.of(s), List.of());
    }

    private static AuthorizationPolicy allow(String name, Rule... rules) {
        return new AuthorizationPolicy(name, "demo", Scope.NAMESPACE, Action.ALLOW, List.of(rules));
    }

    private static AuthorizationPolicy deny(String name, Rule... rules) {
        return new AuthorizationPolicy(name, "demo", Scope.NAMESPACE, Action.DENY, List.of(rules));
    }

    private static ConnectionAttributes hbone(SpiffeId principal, String sourceIp, int port) {
        return new ConnectionAttributes(principal, ip(sourceIp), port);
    }

    private static ConnectionAttributes plaintext(String sourceIp, int port) {
        return new ConnectionAttributes(null, ip(sourceIp), port);
    }

    private static Arguments row(String name, List<AuthorizationPolicy> policies, ConnectionAttributes c,
                                 Reason expected, @Nullable String policy) {
        return Arguments.of(name, policies, c, expected, policy);
    }

    static Stream<Arguments> cases() {
        ConnectionAttributes client = hbone(CLIENT, "10.0.1.1", PORT);
        return Stream.of(
                row("no policy allows", List.of(), client, Reason.NO_ALLOW_POLICY, null),
                row("allow-nothing (no rules) denies", List.of(allow("nothing")), client, Reason.NO_ALLOW_MATCH, null),
                row("empty rule allows all", List.of(allow("all", rule(List.of(), List.of()))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/all"),
                row("exact principal", List.of(allow("p", from(principals("cluster.local/ns/demo/sa/client")))),
                        client, Reason.ALLOWED_BY_POLICY, "demo/p"),
                row("other principal not allowed",
                        List.of(allow("p", from(principals("cluster.local/ns/demo/sa/server")))), client,
                        Reason.NO_ALLOW_MATCH, null),
                row("prefix wildcard", List.of(allow("p", from(principals("cluster.local/ns/demo/*")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/p"),
                row("suffix wildcard", List.of(allow("p", from(principals("*/sa/client")))),
                        hbone(OTHER_NS, "10.0.1.1", PORT), Reason.ALLOWED_BY_POLICY, "demo/p"),
                row("* is any authenticated peer", List.of(allow("p", from(principals("*")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/p"),
                row("* does not match plaintext", List.of(allow("p", from(principals("*")))),
                        plaintext("10.0.1.1", PORT), Reason.NO_ALLOW_MATCH, null),
                row("notPrincipals * denies plaintext only", List.of(deny("d", from(notPrincipals("*")))),
                        plaintext("10.0.1.1", PORT), Reason.DENIED_BY_POLICY, "demo/d"),
                row("notPrincipals * lets mTLS through", List.of(deny("d", from(notPrincipals("*")))), client,
                        Reason.NO_ALLOW_POLICY, null),
                row("namespace from the principal", List.of(allow("n", from(namespaces("demo")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/n"),
                row("namespace prefix", List.of(allow("n", from(namespaces("oth*")))),
                        hbone(OTHER_NS, "10.0.1.1", PORT), Reason.ALLOWED_BY_POLICY, "demo/n"),
                row("other namespace not allowed", List.of(allow("n", from(namespaces("demo")))),
                        hbone(OTHER_NS, "10.0.1.1", PORT), Reason.NO_ALLOW_MATCH, null),
                row("notNamespaces denies", List.of(deny("d", from(notNamespaces("demo")))),
                        hbone(OTHER_NS, "10.0.1.1", PORT), Reason.DENIED_BY_POLICY, "demo/d"),
                row("ipBlock v4", List.of(allow("ip", from(ipBlocks("10.0.0.0/16")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/ip"),
                row("ipBlock v4 miss", List.of(allow("ip", from(ipBlocks("10.1.0.0/16")))), client,
                        Reason.NO_ALLOW_MATCH, null),
                row("ipBlock odd prefix", List.of(allow("ip", from(ipBlocks("10.0.1.0/31")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/ip"),
                row("ipBlock v6", List.of(allow("ip", from(ipBlocks("fd00:1::/64")))),
                        hbone(CLIENT, "fd00:1::7", PORT), Reason.ALLOWED_BY_POLICY, "demo/ip"),
                row("v4 block never matches v6", List.of(allow("ip", from(ipBlocks("0.0.0.0/0")))),
                        hbone(CLIENT, "fd00:1::7", PORT), Reason.NO_ALLOW_MATCH, null),
                row("notIpBlocks", List.of(deny("d", from(notIpBlocks("10.0.1.0/24")))),
                        hbone(CLIENT, "10.9.0.1", PORT), Reason.DENIED_BY_POLICY, "demo/d"),
                row("port allowed", List.of(allow("port", rule(List.of(), List.of(ports(8080, 9090))))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/port"),
                row("port not allowed", List.of(allow("port", rule(List.of(), List.of(ports(9090))))), client,
                        Reason.NO_ALLOW_MATCH, null),
                row("notPorts", List.of(deny("d", rule(List.of(), List.of(notPorts(22))))), client,
                        Reason.DENIED_BY_POLICY, "demo/d"),
                row("from AND to must both match",
                        List.of(allow("both", rule(List.of(principals("*")), List.of(ports(9090))))), client,
                        Reason.NO_ALLOW_MATCH, null),
                row("fields of one source are ANDed",
                        List.of(allow("and", from(new Source(List.of("*"), List.of(), List.of("other"), List.of(),
                                List.of(), List.of())))), client, Reason.NO_ALLOW_MATCH, null),
                row("sources of a rule are ORed",
                        List.of(allow("or", from(namespaces("other"), principals("*/sa/client")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/or"),
                row("rules of a policy are ORed",
                        List.of(allow("or", from(namespaces("other")), from(namespaces("demo")))), client,
                        Reason.ALLOWED_BY_POLICY, "demo/or"),
                row("deny wins over allow",
                        List.of(allow("a", from(principals("*"))), deny("d", from(namespaces("demo")))), client,
                        Reason.DENIED_BY_POLICY, "demo/d"),
                row("non-matching deny then allow-nothing",
                        List.of(deny("d", from(namespaces("other"))), allow("nothing")), client,
                        Reason.NO_ALLOW_MATCH, null),
                row("deny with no rules matches nothing", List.of(deny("d")), client, Reason.NO_ALLOW_POLICY, null),
                row("policy of another namespace does not apply",
                        List.of(new AuthorizationPolicy("x", "other", Scope.NAMESPACE, Action.DENY,
                                List.of(from(principals("*"))))), client, Reason.NO_ALLOW_POLICY, null),
                row("mesh-wide deny applies",
                        List.of(new AuthorizationPolicy("x", "trellis-system", Scope.GLOBAL, Action.DENY,
                                List.of(from(principals("*"))))), client, Reason.DENIED_BY_POLICY,
                        "trellis-system/x"),
                row("selector policy that selects the workload",
                        List.of(new AuthorizationPolicy("selected", "demo", Scope.WORKLOAD_SELECTOR, Action.DENY,
                                List.of(from(principals("*"))))), client, Reason.DENIED_BY_POLICY, "demo/selected"),
                row("selector policy that does not select it",
                        List.of(new AuthorizationPolicy("unselected", "demo", Scope.WORKLOAD_SELECTOR, Action.DENY,
                                List.of(from(principals("*"))))), client, Reason.NO_ALLOW_POLICY, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String name, List<AuthorizationPolicy> policies, ConnectionAttributes c, Reason expected,
                 @Nullable String policy) {
        MeshState state = MeshState.of(List.of(SERVER), List.of(), policies);
        AuthzDecision d = new L4Authorizer(MtlsMode.PERMISSIVE).authorize(state, SERVER, c);
        assertThat(d.reason()).as(name).isEqualTo(expected);
        assertThat(d.policy()).as(name).isEqualTo(policy);
        assertThat(d.allowed()).isEqualTo(expected == Reason.NO_ALLOW_POLICY || expected == Reason.ALLOWED_BY_POLICY);
    }

    @Test
    void strictModeRefusesPlaintextBeforeAnyPolicy() {
        MeshState state = MeshState.of(List.of(SERVER), List.of(),
                List.of(allow("all", rule(List.of(), List.of()))));
        L4Authorizer strict = new L4Authorizer(MtlsMode.STRICT);
        assertThat(strict.authorize(state, SERVER, plaintext("10.0.1.1", PORT)).reason())
                .isEqualTo(Reason.PLAINTEXT_STRICT_MTLS);
        assertThat(strict.authorize(state, SERVER, hbone(CLIENT, "10.0.1.1", PORT)).allowed()).isTrue();
        assertThat(new L4Authorizer(MtlsMode.PERMISSIVE).authorize(state, SERVER, plaintext("10.0.1.1", PORT))
                .allowed()).isTrue();
    }

    @Test
    void waypointBoundWorkloadOnlyAcceptsItsWaypointUnlessAPolicyAllows() {
        WaypointAddress wp = waypoint("10.0.9.9", "demo", "reviews-waypoint");
        WorkloadInfo reviews = workload("demo", "reviews", "reviews", "10.0.1.3", true, null,
                Map.of(key("demo", "reviews"), List.<PortMapping>of()), List.of());
        MeshState state = MeshState.of(List.of(reviews), List.of(service("demo", "reviews", "10.96.0.3", 9080, 9080,
                wp)), List.of());
        L4Authorizer authz = new L4Authorizer(MtlsMode.PERMISSIVE);

        assertThat(authz.authorize(state, reviews, hbone(wp.identity(), "10.0.9.9", 9080)).reason())
                .isEqualTo(Reason.NO_ALLOW_POLICY);
        AuthzDecision bypass = authz.authorize(state, reviews, hbone(CLIENT, "10.0.1.1", 9080));
        assertThat(bypass.allowed()).isFalse();
        assertThat(bypass.reason()).isEqualTo(Reason.WAYPOINT_BYPASS);
        assertThat(authz.authorize(state, reviews, plaintext("10.0.1.1", 9080)).reason())
                .isEqualTo(Reason.WAYPOINT_BYPASS);

        MeshState allowing = MeshState.of(List.of(reviews), List.of(service("demo", "reviews", "10.96.0.3", 9080,
                9080, wp)), List.of(allow("direct", from(principals("cluster.local/ns/demo/sa/client")))));
        assertThat(authz.authorize(allowing, reviews, hbone(CLIENT, "10.0.1.1", 9080)))
                .isEqualTo(new AuthzDecision(true, Reason.ALLOWED_BY_POLICY, "demo/direct"));
        // an ALLOW policy that does not match the waypoint makes the waypoint's own traffic a non-match, as in Istio
        assertThat(authz.authorize(allowing, reviews, hbone(wp.identity(), "10.0.9.9", 9080)).reason())
                .isEqualTo(Reason.NO_ALLOW_MATCH);
    }

    @Test
    void stringMatchFollowsIstio() {
        assertThat(PolicyMatcher.stringMatches("*", "")).isTrue();
        assertThat(PolicyMatcher.stringMatches("a*", "abc")).isTrue();
        assertThat(PolicyMatcher.stringMatches("*c", "abc")).isTrue();
        assertThat(PolicyMatcher.stringMatches("a*", "bac")).isFalse();
        assertThat(PolicyMatcher.stringMatches("abc", "abcd")).isFalse();
    }
}
