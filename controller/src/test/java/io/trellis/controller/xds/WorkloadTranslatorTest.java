package io.trellis.controller.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.From;
import io.trellis.api.workload.v1.GatewayAddress;
import io.trellis.api.workload.v1.IpBlock;
import io.trellis.api.workload.v1.PortList;
import io.trellis.api.workload.v1.PortMapping;
import io.trellis.api.workload.v1.Rule;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.ServicePort;
import io.trellis.api.workload.v1.To;
import io.trellis.api.workload.v1.TunnelProtocol;
import io.trellis.api.workload.v1.Workload;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.DirectoryConfigSource;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkloadTranslatorTest {

    private static final GatewayAddress WAYPOINT = GatewayAddress.newBuilder()
            .setAddress(ip("10.42.2.20")).setHbonePort(15008)
            .setIdentity("spiffe://cluster.local/ns/demo/sa/reviews-waypoint").build();

    private static ByteString ip(String s) {
        return ByteString.copyFrom(InetAddress.ofLiteral(s).getAddress());
    }

    private static Map<String, Map<String, Message>> demo() {
        MeshModel model = ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
                MeshSettings.defaults());
        return WorkloadTranslator.translate(model);
    }

    @Test
    void demoWorkload() {
        Workload expected = Workload.newBuilder()
                .setUid("demo/reviews-v2").setName("reviews-v2").setNamespace("demo").setServiceAccount("reviews")
                .setNode("node-b").addAddresses(ip("10.42.2.11")).setTrustDomain("cluster.local")
                .setProtocol(TunnelProtocol.HBONE).setCanonicalName("reviews").setCanonicalRevision("v2")
                .putServices("demo/reviews.demo.svc.cluster.local", PortList.newBuilder()
                        .addPorts(PortMapping.newBuilder().setServicePort(9080).setTargetPort(9080)).build())
                .putServices("demo/reviews-v2.demo.svc.cluster.local", PortList.newBuilder()
                        .addPorts(PortMapping.newBuilder().setServicePort(9080).setTargetPort(9080)).build())
                .addAuthorizationPolicies("demo/reviews-allow-client")
                .build();

        assertThat(demo().get(TypeUrls.WORKLOAD).get("demo/reviews-v2")).isEqualTo(expected);
    }

    @Test
    void demoWaypointPodIsNotEnrolled() {
        Workload wp = (Workload) demo().get(TypeUrls.WORKLOAD).get("demo/reviews-waypoint");

        assertThat(wp.getProtocol()).isEqualTo(TunnelProtocol.TCP);
        assertThat(wp.hasWaypoint()).isFalse();
    }

    @Test
    void demoService() {
        Service expected = Service.newBuilder()
                .setName("reviews").setNamespace("demo").setHostname("reviews.demo.svc.cluster.local")
                .addVips(ip("10.96.0.20"))
                .addPorts(ServicePort.newBuilder().setPort(9080).setAppProtocol("http").setName("http"))
                .setWaypoint(WAYPOINT)
                .build();

        assertThat(demo().get(TypeUrls.SERVICE).get("demo/reviews.demo.svc.cluster.local")).isEqualTo(expected);
        assertThat(demo().get(TypeUrls.SERVICE)).containsOnlyKeys("demo/reviews.demo.svc.cluster.local",
                "demo/reviews-v1.demo.svc.cluster.local", "demo/reviews-v2.demo.svc.cluster.local");
    }

    @Test
    void aGatewayWithTwoAddressesGivesNodeProxiesBothReplicas() {
        ConfigSnapshot s = ConfigSnapshot.parseYaml("t.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: wp, namespace: demo}
                spec:
                  gatewayClassName: trellis-waypoint
                  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                  addresses: [{type: IPAddress, value: 10.42.2.20}, {type: IPAddress, value: 10.42.2.21}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: demo, labels: {trellis.io/use-waypoint: wp}}
                spec: {clusterIP: 10.96.0.50, selector: {app: web}, ports: [{name: http, port: 80}]}
                """);
        assertThat(s.problems()).isEmpty();

        Service web = (Service) WorkloadTranslator.translate(ModelBuilder.build(s, MeshSettings.defaults()))
                .get(TypeUrls.SERVICE).get("demo/web.demo.svc.cluster.local");

        assertThat(web.getWaypoint().getAddress()).isEqualTo(ip("10.42.2.20"));
        assertThat(web.getWaypoint().getReplicaAddressesList()).containsExactly(ip("10.42.2.20"), ip("10.42.2.21"));
    }

    @Test
    void aGatewayWithOneAddressListsNoReplicas() {
        Service reviews = (Service) demo().get(TypeUrls.SERVICE).get("demo/reviews.demo.svc.cluster.local");

        assertThat(reviews.getWaypoint().getReplicaAddressesList()).isEmpty();
    }

    @Test
    void demoAuthorization() {
        Authorization expected = Authorization.newBuilder()
                .setName("reviews-allow-client").setNamespace("demo")
                .setScope(Authorization.Scope.WORKLOAD_SELECTOR).setAction(Authorization.Action.ALLOW)
                .addRules(Rule.newBuilder()
                        .addFrom(From.newBuilder().addPrincipals("cluster.local/ns/demo/sa/client")
                                .addPrincipals("cluster.local/ns/demo/sa/reviews-waypoint"))
                        .addTo(To.newBuilder().addPorts(9080)))
                .build();

        assertThat(demo().get(TypeUrls.AUTHORIZATION).get("demo/reviews-allow-client")).isEqualTo(expected);
    }

    static Stream<Arguments> l4Views() {
        return Stream.of(
                Arguments.of("allow with only L7 operation matches nothing", "ALLOW",
                        "[{to: [{operation: {methods: [GET]}}]}]", 0, 0),
                Arguments.of("allow keeps the L4 operation next to an L7 one", "ALLOW",
                        "[{to: [{operation: {methods: [GET]}}, {operation: {ports: [80]}}]}]", 1, 1),
                Arguments.of("deny keeps the L4 part of an L7 operation", "DENY",
                        "[{to: [{operation: {ports: [80], paths: [/admin]}}]}]", 1, 1),
                Arguments.of("rule with only from", "ALLOW", "[{from: [{source: {namespaces: [demo]}}]}]", 1, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("l4Views")
    void l4ViewOfL7Rules(String what, String action, String rules, int ruleCount, int toCount) {
        ConfigSnapshot s = ConfigSnapshot.parseYaml("t.yaml", """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: p, namespace: demo}
                spec: {action: %s, rules: %s}
                """.formatted(action, rules));
        assertThat(s.problems()).isEmpty();

        Authorization a = (Authorization) WorkloadTranslator.translate(ModelBuilder.build(s, MeshSettings.defaults()))
                .get(TypeUrls.AUTHORIZATION).get("demo/p");

        assertThat(a.getRulesCount()).isEqualTo(ruleCount);
        if (ruleCount > 0) {
            assertThat(a.getRules(0).getToCount()).isEqualTo(toCount);
        }
    }

    @Test
    void ipBlocksAndNegations() {
        ConfigSnapshot s = ConfigSnapshot.parseYaml("t.yaml", """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: p, namespace: trellis-system}
                spec:
                  action: DENY
                  rules:
                    - from: [{source: {ipBlocks: [10.1.0.0/16], notIpBlocks: ["fd00::1"], notNamespaces: [kube-system]}}]
                      to: [{operation: {notPorts: [15021]}}]
                """);

        Authorization a = (Authorization) WorkloadTranslator.translate(ModelBuilder.build(s, MeshSettings.defaults()))
                .get(TypeUrls.AUTHORIZATION).get("trellis-system/p");

        assertThat(a.getScope()).isEqualTo(Authorization.Scope.GLOBAL);
        From from = a.getRules(0).getFrom(0);
        assertThat(from.getIpBlocksList()).containsExactly(
                IpBlock.newBuilder().setAddress(ip("10.1.0.0")).setPrefixLen(16).build());
        assertThat(from.getNotIpBlocksList()).containsExactly(
                IpBlock.newBuilder().setAddress(ip("fd00::1")).setPrefixLen(128).build());
        assertThat(from.getNotNamespacesList()).containsExactly("kube-system");
        assertThat(a.getRules(0).getTo(0).getNotPortsList()).containsExactly(15021);
    }

    @Test
    void translationIsDeterministic() {
        assertThat(demo()).isEqualTo(demo());
        Message w1 = demo().get(TypeUrls.WORKLOAD).get("demo/reviews-v1");
        Message w2 = demo().get(TypeUrls.WORKLOAD).get("demo/reviews-v1");
        assertThat(w1.toByteString()).isEqualTo(w2.toByteString());
    }

    @Test
    void typeUrls() {
        assertThat(TypeUrls.WORKLOAD).isEqualTo("type.googleapis.com/trellis.workload.v1.Workload");
        assertThat(TypeUrls.SERVICE).isEqualTo("type.googleapis.com/trellis.workload.v1.Service");
        assertThat(TypeUrls.AUTHORIZATION).isEqualTo("type.googleapis.com/trellis.workload.v1.Authorization");
    }
}
