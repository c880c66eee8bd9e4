package io.trellis.node.xds;

import static io.trellis.node.xds.ControllerXds.ip;
import static io.trellis.node.xds.ControllerXds.service;
import static io.trellis.node.xds.ControllerXds.workload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.From;
import io.trellis.api.workload.v1.GatewayAddress;
import io.trellis.api.workload.v1.IpBlock;
import io.trellis.api.workload.v1.Rule;
import io.trellis.api.workload.v1.ServicePort;
import io.trellis.api.workload.v1.To;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WorkloadInfo;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceDecoderTest {

    private static final Authorization POLICY = Authorization.newBuilder().setName("p").setNamespace("demo")
            .setScope(Authorization.Scope.NAMESPACE).setAction(Authorization.Action.ALLOW).build();

    static Stream<Arguments> invalid() {
        var w = workload("demo", "client", "client", "10.0.1.1");
        return Stream.of(
                Arguments.of(XdsType.WORKLOAD, "demo/other", w, "uid"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setServiceAccount("").build(),
                        "service_account"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setTrustDomain("").build(),
                        "trust_domain"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setProtocolValue(7).build(), "protocol"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setWaypoint(GatewayAddress.newBuilder()
                        .setAddress(ip("10.0.9.9")).setHbonePort(15008).setIdentity("not-a-spiffe-id")).build(),
                        "waypoint.identity"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setWaypoint(GatewayAddress.newBuilder()
                        .setAddress(ip("10.0.9.9")).setHbonePort(70000)
                        .setIdentity("spiffe://cluster.local/ns/demo/sa/wp")).build(), "waypoint.hbone_port"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setWaypoint(GatewayAddress.newBuilder()
                        .setAddress(ip("10.0.9.9")).setHbonePort(15008).setIdentity("spiffe://cluster.local/ns/demo/sa/wp")
                        .addReplicaAddresses(ip("10.0.9.9")).addReplicaAddresses(ByteString.copyFrom(new byte[3])))
                        .build(), "waypoint.replica_addresses[1]"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().setWaypoint(GatewayAddress.newBuilder()
                        .setAddress(ip("10.0.9.9")).setHbonePort(15008).setIdentity("spiffe://cluster.local/ns/demo/sa/wp")
                        .addReplicaAddresses(ip("10.0.9.8")).addReplicaAddresses(ip("10.0.9.9"))).build(),
                        "waypoint.replica_addresses[0]"),
                Arguments.of(XdsType.WORKLOAD, "demo/client", w.toBuilder().addAuthorizationPolicies("nons").build(),
                        "authorization_policies[0]"),
                Arguments.of(XdsType.SERVICE, "demo/reviews.demo.svc.cluster.local",
                        service("demo", "reviews", "10.96.0.1").toBuilder().addVips(ByteString.EMPTY).build(),
                        "vips[1]"),
                Arguments.of(XdsType.SERVICE, "demo/reviews.demo.svc.cluster.local",
                        service("demo", "reviews", "10.96.0.1").toBuilder().addPorts(ServicePort.newBuilder()
                                .setPort(0)).build(), "ports[1].port"),
                Arguments.of(XdsType.SERVICE, "demo/wrong", service("demo", "reviews", "10.96.0.1"), "hostname"),
                Arguments.of(XdsType.AUTHORIZATION, "demo/p", POLICY.toBuilder().setActionValue(5).build(), "action"),
                Arguments.of(XdsType.AUTHORIZATION, "demo/p", POLICY.toBuilder().addRules(Rule.newBuilder()
                        .addFrom(From.newBuilder().addIpBlocks(IpBlock.newBuilder().setAddress(ip("10.0.0.0"))
                                .setPrefixLen(33)))).build(), "rules[0].from[0].ip_blocks[0].prefix_len"),
                Arguments.of(XdsType.AUTHORIZATION, "demo/p", POLICY.toBuilder().addRules(Rule.newBuilder()
                        .addFrom(From.newBuilder().addPrincipals("a*b"))).build(), "rules[0].from[0].principals[0]"),
                Arguments.of(XdsType.AUTHORIZATION, "demo/p", POLICY.toBuilder().addRules(Rule.newBuilder()
                        .addFrom(From.newBuilder().addNotIpBlocks(IpBlock.newBuilder().setAddress(ip("fd00::"))
                                .setPrefixLen(-1)))).build(), "rules[0].from[0].not_ip_blocks[0].prefix_len"),
                Arguments.of(XdsType.AUTHORIZATION, "demo/p", POLICY.toBuilder().addRules(Rule.newBuilder()
                        .addTo(To.newBuilder().addNotPorts(0))).build(), "rules[0].to[0].not_ports[0]"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("invalid")
    void rejectsNamingResourceAndField(XdsType type, String name, Message m, String field) {
        assertThatThrownBy(() -> ResourceDecoder.decode(type, name, Any.pack(m, "type.googleapis.com")))
                .isInstanceOfSatisfying(InvalidResourceException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.resource()).isEqualTo(name);
                    assertThat(e.getMessage()).startsWith(type.shortName() + " " + name + ": " + field + ": ");
                });
    }

    @Test
    void wrongTypeUrlOrGarbageIsRejected() {
        Any wrong = Any.pack(POLICY, "type.googleapis.com");
        assertThatThrownBy(() -> ResourceDecoder.decode(XdsType.WORKLOAD, "demo/p", wrong))
                .hasMessageContaining("resource.type_url");
        Any garbage = Any.newBuilder().setTypeUrl(XdsType.WORKLOAD.typeUrl())
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, 1, 2})).build();
        assertThatThrownBy(() -> ResourceDecoder.decode(XdsType.WORKLOAD, "demo/p", garbage))
                .isInstanceOf(InvalidResourceException.class).hasMessageContaining("not a valid Workload");
    }

    @Test
    void aWaypointsReplicasAreDecodedInOrderWithItsAddressFirst() {
        var w = workload("demo", "client", "client", "10.0.1.1").toBuilder().setWaypoint(GatewayAddress.newBuilder()
                .setAddress(ip("10.0.9.9")).setHbonePort(15008).setIdentity("spiffe://cluster.local/ns/demo/sa/wp")
                .addReplicaAddresses(ip("10.0.9.9")).addReplicaAddresses(ip("10.0.9.10"))).build();
        WorkloadInfo decoded = (WorkloadInfo) ResourceDecoder.decode(XdsType.WORKLOAD, "demo/client",
                Any.pack(w, "type.googleapis.com"));
        assertThat(decoded.waypoint()).isNotNull();
        assertThat(decoded.waypoint().replicas()).extracting(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .containsExactly("10.0.9.9:15008", "10.0.9.10:15008");
    }

    @Test
    void decodesValidResources() {
        WorkloadInfo w = (WorkloadInfo) ResourceDecoder.decode(XdsType.WORKLOAD, "demo/client",
                Any.pack(workload("demo", "client", "client", "fd00::1", "demo/svc.demo.svc.cluster.local"),
                        "type.googleapis.com"));
        assertThat(w.identity().uri()).isEqualTo("spiffe://cluster.local/ns/demo/sa/client");
        assertThat(w.hbone()).isTrue();
        assertThat(w.addresses().getFirst().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
        ServiceInfo s = (ServiceInfo) ResourceDecoder.decode(XdsType.SERVICE, "demo/reviews.demo.svc.cluster.local",
                Any.pack(service("demo", "reviews", "10.96.0.1").toBuilder().addPorts(ServicePort.newBuilder()
                        .setPort(9090)).build(), "type.googleapis.com"));
        assertThat(s.port(9090).targetPort()).isEqualTo(9090); // 0 means "same as port"
        AuthorizationPolicy p = (AuthorizationPolicy) ResourceDecoder.decode(XdsType.AUTHORIZATION, "demo/p",
                Any.pack(POLICY, "type.googleapis.com"));
        assertThat(p.rules()).isEmpty();
    }
}
