package io.trellis.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.lb.EndpointMetadata;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The controller's waypoint listener (VIP, RDS, trellis metadata with L7 policies) and endpoint identities. */
class ListenerTranslatorTest {

    private static Value s(String v) {
        return Value.newBuilder().setStringValue(v).build();
    }

    private static Value list(Value... vs) {
        return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(List.of(vs))).build();
    }

    private static Value struct(Object... kv) {
        Struct.Builder b = Struct.newBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            b.putFields((String) kv[i], (Value) kv[i + 1]);
        }
        return Value.newBuilder().setStructValue(b).build();
    }

    private static Listener listener(Value policies, UnaryOperator<HttpConnectionManager.Builder> hcm) {
        HttpConnectionManager.Builder h = HttpConnectionManager.newBuilder().setStatPrefix("r")
                .setRds(Rds.newBuilder().setRouteConfigName("reviews:9080").setConfigSource(ConfigSource.newBuilder()
                        .setAds(AggregatedConfigSource.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
        return Listener.newBuilder().setName("reviews:9080")
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("10.96.0.20")
                        .setPortValue(9080)))
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.apply(h).build())))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("trellis", struct("hostname", s("reviews.demo"),
                        "namespace", s("demo"), "app_protocol", s("http"), "authorization_policies", policies)
                        .getStructValue()))
                .build();
    }

    private static final Value DENY_ADMIN = list(struct("namespace", s("demo"), "name", s("no-admin"),
            "action", s("DENY"), "rules", list(struct(
                    "from", list(struct("namespaces", list(s("other")))),
                    "to", list(struct("paths", list(s("/admin*")), "methods", list(s("POST"))))))));

    @Test
    void translatesTheWaypointListener() throws Exception {
        ListenerTranslator.BoundPort p = ListenerTranslator.translate(listener(DENY_ADMIN, h -> h));

        assertThat(p.vip()).isEqualTo(new InetSocketAddress("10.96.0.20", 9080));
        assertThat(p.routeConfig()).isEqualTo("reviews:9080");
        assertThat(p.hostname()).isEqualTo("reviews.demo");
        assertThat(p.namespace()).isEqualTo("demo");
        AuthorizationPolicy policy = p.policies().getFirst();
        assertThat(policy.action()).isEqualTo(AuthorizationPolicy.Action.DENY);
        assertThat(policy.qualifiedName()).isEqualTo("demo/no-admin");
        assertThat(policy.rules().getFirst().to().getFirst().paths()).containsExactly("/admin*");
        assertThat(policy.rules().getFirst().from().getFirst().namespaces()).containsExactly("other");
    }

    record Bad(String name, Listener listener, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Listener withPolicy(String action, Value rules) {
        return listener(list(struct("namespace", s("demo"), "name", s("p"), "action", s(action), "rules", rules)),
                h -> h);
    }

    static List<Bad> rejected() {
        String meta = "listener.metadata.filter_metadata[\"trellis\"].authorization_policies[0]";
        Value ipBlocks = list(struct("from", list(struct("ipBlocks", list(s("10.0.0.0/8"))))));
        Value ports = list(struct("to", list(struct("ports", list(s("9080")), "paths", list(s("/x"))))));
        return List.of(
                new Bad("ip blocks", withPolicy("ALLOW", ipBlocks), meta + ".rules[0].from[0].ipBlocks: not supported"),
                new Bad("ports", withPolicy("ALLOW", ports), meta + ".rules[0].to[0].ports: not supported"),
                new Bad("action", withPolicy("AUDIT", list()), meta + ".action: must be ALLOW or DENY"),
                new Bad("other filter", listener(list(), h -> h.addHttpFilters(HttpFilter.newBuilder().setName("rbac"))),
                        "listener.api_listener.api_listener.http_filters[1]: only the router filter is supported"),
                new Bad("inline routes", listener(list(), h -> h.clearRds()),
                        "listener.api_listener.api_listener.rds.route_config_name: is required"),
                new Bad("no address", listener(list(), h -> h).toBuilder().clearAddress().build(),
                        "listener.address.socket_address: is required"),
                new Bad("listener option", listener(list(), h -> h).toBuilder().setStatPrefix("x").build(),
                        "listener.stat_prefix: not supported"));
    }

    @ParameterizedTest
    @MethodSource("rejected")
    void rejectsWhatItCannotEnforceByFieldPath(Bad bad) {
        assertThatThrownBy(() -> ListenerTranslator.translate(bad.listener()))
                .isInstanceOf(XdsNackException.class).hasMessageContaining(bad.error());
    }

    private static LbEndpoint endpoint(String ip, String identity) {
        return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(8080))))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("trellis", struct("identity", s(identity))
                        .getStructValue()))
                .build();
    }

    @Test
    void endpointIdentities() throws Exception {
        String reviews = "spiffe://cluster.local/ns/demo/sa/reviews";
        ClusterLoadAssignment same = ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(
                LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.1", reviews))
                        .addLbEndpoints(endpoint("10.0.0.2", reviews))).build();
        assertThat(EndpointsTranslator.translate(same)).hasSize(2);
        assertThat(EndpointsTranslator.identity(same)).isEqualTo(SpiffeId.parse(reviews));

        // Endpoints of one cluster may run as different service accounts: each keeps its own identity,
        // and there is no cluster-wide one.
        ClusterLoadAssignment mixed = same.toBuilder().setEndpoints(0, same.getEndpoints(0).toBuilder()
                .setLbEndpoints(1, endpoint("10.0.0.2", "spiffe://cluster.local/ns/demo/sa/other"))).build();
        assertThat(EndpointsTranslator.identity(mixed)).isNull();
        assertThat(EndpointsTranslator.translate(mixed)).extracting(e -> e.metadata().identity())
                .containsExactly(SpiffeId.parse(reviews), SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/other"));

        ClusterLoadAssignment malformed = same.toBuilder().setEndpoints(0, same.getEndpoints(0).toBuilder()
                .setLbEndpoints(1, endpoint("10.0.0.2", "not-a-spiffe-id"))).build();
        assertThatThrownBy(() -> EndpointsTranslator.translate(malformed)).isInstanceOf(XdsNackException.class)
                .hasMessageContaining("lb_endpoints[1].metadata.filter_metadata[\"trellis\"].identity");
    }

    private static LbEndpoint endpointWith(String ip, Struct trellis) {
        return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(8080))))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("trellis", trellis))
                .build();
    }

    private static ClusterLoadAssignment assignment(LbEndpoint... endpoints) {
        return ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(List.of(endpoints))).build();
    }

    @Test
    void endpointWorkloadMetadata() throws Exception {
        Struct full = Struct.newBuilder()
                .putFields("identity", s("spiffe://cluster.local/ns/demo/sa/reviews"))
                .putFields("workload", s("reviews-v1-7d9f"))
                .putFields("namespace", s("demo"))
                .putFields("app", s("reviews"))
                .putFields("version", s("v1")).build();
        var translated = EndpointsTranslator.translate(assignment(endpointWith("10.0.0.1", full),
                endpointWith("10.0.0.2", Struct.newBuilder().putFields("workload", s("bare")).build()),
                LbEndpoint.newBuilder().setEndpoint(endpointWith("10.0.0.3", full).getEndpoint()).build()));
        assertThat(translated.get(0).metadata()).isEqualTo(new EndpointMetadata(
                SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews"), "reviews-v1-7d9f", "demo", "reviews", "v1"));
        assertThat(translated.get(1).metadata()).isEqualTo(new EndpointMetadata(null, "bare", "unknown", "unknown",
                "unknown"));
        assertThat(translated.get(2).metadata()).isEqualTo(EndpointMetadata.NONE);

        // A field the waypoint does not use, a non-string value and an over-long label are NACKed by path.
        assertThatThrownBy(() -> EndpointsTranslator.translate(assignment(endpointWith("10.0.0.1",
                full.toBuilder().putFields("zone", s("a")).build()))))
                .isInstanceOf(XdsNackException.class)
                .hasMessageContaining("lb_endpoints[0].metadata.filter_metadata[\"trellis\"].zone");
        assertThatThrownBy(() -> EndpointsTranslator.translate(assignment(endpointWith("10.0.0.1",
                full.toBuilder().putFields("version", Value.newBuilder().setNumberValue(2).build()).build()))))
                .isInstanceOf(XdsNackException.class)
                .hasMessageContaining("filter_metadata[\"trellis\"].version: must be a string");
        assertThatThrownBy(() -> EndpointsTranslator.translate(assignment(endpointWith("10.0.0.1",
                full.toBuilder().putFields("workload", s("w".repeat(300))).build()))))
                .isInstanceOf(XdsNackException.class)
                .hasMessageContaining("filter_metadata[\"trellis\"].workload: longer than 253 characters");
    }
}
