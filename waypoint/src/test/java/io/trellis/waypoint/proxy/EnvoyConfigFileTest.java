package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The static config file: Envoy JSON protos translated by the xDS translators; errors name the field. */
class EnvoyConfigFileTest {

    static final String ROUTES = """
            {"name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
              {"match": {"prefix": "/"}, "route": {"cluster": "c"}}]}]}""";

    static String file(String services, String routes, String clusters) {
        return """
                {"services": [%s], "routeConfigs": [%s], "clusters": [%s],
                 "endpoints": [{"cluster_name": "c", "endpoints": [{"lb_endpoints": [
                   {"endpoint": {"address": {"socket_address": {"address": "10.1.0.5", "port_value": 8080}}}}]}]}],
                 "identities": {"c": "spiffe://cluster.local/ns/shop/sa/cart"}}""".formatted(services, routes, clusters);
    }

    static final String SERVICE = """
            {"hostname": "cart.shop.svc.cluster.local", "namespace": "shop", "vip": "10.96.1.1:80", "appProtocol": "grpc", "routeConfig": "r"}""";
    static final String CLUSTER = """
            {"name": "c", "type": "EDS", "eds_cluster_config": {"eds_config": {"ads": {}}}, "lb_policy": "LEAST_REQUEST"}""";

    @Test
    void readsServicesRoutesClustersEndpointsAndIdentities() {
        WaypointConfig c = EnvoyConfigFile.parse(file(SERVICE, ROUTES, CLUSTER), "t.json", List.of());
        assertThat(c.services()).singleElement().satisfies(s -> {
            assertThat(s.vip()).isEqualTo(new InetSocketAddress("10.96.1.1", 80));
            assertThat(s.protocol()).isEqualTo(AppProtocol.GRPC);
        });
        assertThat(c.routeTables()).containsKey("r");
        assertThat(c.clusters()).containsKey("c");
        assertThat(c.endpoints().get("c")).singleElement().satisfies(e -> assertThat(e.address()).isEqualTo("10.1.0.5:8080"));
        assertThat(c.identities().get("c").uri()).isEqualTo("spiffe://cluster.local/ns/shop/sa/cart");
    }

    @Test
    void unknownProtoFieldsAreRejectedNotIgnored() {
        String bad = ROUTES.replace("\"domains\"", "\"no_such_field\": 1, \"domains\"");
        assertThatThrownBy(() -> EnvoyConfigFile.parse(file(SERVICE, bad, CLUSTER), "t.json", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t.json").hasMessageContaining("no_such_field");
    }

    @Test
    void unsupportedEnvoyFeaturesAreNackedWithTheFieldPath() {
        String dns = CLUSTER.replace("\"EDS\"", "\"STRICT_DNS\"");
        assertThatThrownBy(() -> EnvoyConfigFile.parse(file(SERVICE, ROUTES, dns), "t.json", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster c rejected").hasMessageContaining("STRICT_DNS");
    }

    @Test
    void servicesNeedALiteralVipAKnownProtocolAndAnExistingRouteConfig() {
        assertThatThrownBy(() -> EnvoyConfigFile.parse(file(SERVICE.replace("10.96.1.1:80", "cart:80"), ROUTES, CLUSTER),
                "t.json", List.of())).hasMessageContaining("must be a literal ip:port");
        assertThatThrownBy(() -> EnvoyConfigFile.parse(file(SERVICE.replace("\"grpc\"", "\"thrift\""), ROUTES, CLUSTER),
                "t.json", List.of())).hasMessageContaining("unsupported appProtocol 'thrift'");
        assertThatThrownBy(() -> EnvoyConfigFile.parse(file(SERVICE.replace("\"r\"", "\"missing\""), ROUTES, CLUSTER),
                "t.json", List.of())).hasMessageContaining("route config 'missing'");
        assertThatThrownBy(() -> EnvoyConfigFile.parse("{\"listeners\": []}", "t.json", List.of()))
                .hasMessageContaining("unknown top-level field 'listeners'");
    }
}
