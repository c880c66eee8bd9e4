package io.trellis.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.LbPolicy;
import io.trellis.waypoint.resilience.CircuitBreakerThresholds;
import io.trellis.waypoint.resilience.OutlierDetectionConfig;
import io.trellis.waypoint.resilience.RetryBudgetConfig;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterTranslatorTest {

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  private static Cluster.Builder eds(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())));
  }

  private static LbEndpoint lbEndpoint(String ip, int port, int weight, HealthStatus health) {
    LbEndpoint.Builder b = LbEndpoint.newBuilder().setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))))
        .setHealthStatus(health);
    if (weight > 0) {
      b.setLoadBalancingWeight(UInt32Value.of(weight));
    }
    return b.build();
  }

  @Test
  void translatesAResilientEdsCluster() throws Exception {
    Cluster c = eds("outbound|9080||reviews.default.svc.cluster.local")
        .setConnectTimeout(seconds(2))
        .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
        .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(3)))
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(UInt32Value.of(100)).setMaxPendingRequests(UInt32Value.of(10))
            .setMaxRequests(UInt32Value.of(200)).setMaxRetries(UInt32Value.of(5))
            .setRetryBudget(CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                .setBudgetPercent(Percent.newBuilder().setValue(25)).setMinRetryConcurrency(UInt32Value.of(4)))))
        .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(3))
            .setBaseEjectionTime(seconds(15)).setMaxEjectionPercent(UInt32Value.of(50))
            .setConsecutiveGatewayFailure(UInt32Value.of(2)).setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100)))
        .setMetadata(Metadata.newBuilder().putFilterMetadata(ClusterTranslator.RETRY_BUDGET_METADATA, Struct.newBuilder()
            .putFields("percent", Value.newBuilder().setNumberValue(10).build())
            .putFields("window_seconds", Value.newBuilder().setNumberValue(30).build())
            .putFields("min_retries_per_second", Value.newBuilder().setNumberValue(5).build()).build()))
        .build();
    ClusterSettings s = ClusterTranslator.translate(c);
    assertThat(s.name()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
    assertThat(s.edsServiceName()).isEqualTo(s.name());
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.lbPolicy()).isEqualTo(new LbPolicy.LeastRequest(3));
    assertThat(s.circuitBreakers()).isEqualTo(new CircuitBreakerThresholds(100, 10, 200, 5,
        new CircuitBreakerThresholds.ConcurrencyRetryBudget(25, 4)));
    assertThat(s.outlierDetection()).isEqualTo(new OutlierDetectionConfig(3, 100, 2, 100, Duration.ofSeconds(10),
        Duration.ofSeconds(15), Duration.ofSeconds(300), 50));
    assertThat(s.retryBudget()).isEqualTo(new RetryBudgetConfig(10, Duration.ofSeconds(30), 5));
    assertThat(s.staticEndpoints()).isEmpty();
  }

  /** The shape the Trellis controller emits for a service with a ResiliencePolicy (see controller/envoy). */
  @Test
  void acceptsTheControllersClusterShape() throws Exception {
    Cluster c = Cluster.newBuilder().setName("outbound|80||api.demo.svc.cluster.local")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName("outbound|80||api.demo.svc.cluster.local")
            .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3)))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(seconds(10))
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(UInt32Value.of(64)).setMaxPendingRequests(UInt32Value.of(32))
            .setMaxRequests(UInt32Value.of(128)).setMaxRetries(UInt32Value.of(4))
            .setRetryBudget(CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                .setBudgetPercent(Percent.newBuilder().setValue(20)).setMinRetryConcurrency(UInt32Value.of(3)))))
        .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(3)).setInterval(seconds(5))
            .setBaseEjectionTime(seconds(30)).setMaxEjectionPercent(UInt32Value.of(50)))
        .build();
    ClusterSettings s = ClusterTranslator.translate(c);
    assertThat(s.edsServiceName()).isEqualTo("outbound|80||api.demo.svc.cluster.local");
    assertThat(s.circuitBreakers().retryBudget()).isEqualTo(new CircuitBreakerThresholds.ConcurrencyRetryBudget(20, 3));
    assertThat(s.outlierDetection().consecutive5xx()).isEqualTo(3);
    assertThat(s.outlierDetection().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void appliesEnvoyDefaults() throws Exception {
    ClusterSettings s = ClusterTranslator.translate(eds("c").build());
    assertThat(s.lbPolicy()).isEqualTo(new LbPolicy.RoundRobin());
    assertThat(s.circuitBreakers()).isEqualTo(CircuitBreakerThresholds.DEFAULT);
    assertThat(s.outlierDetection()).isNull();
    assertThat(s.retryBudget()).isNull();
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));

    ClusterSettings ring = ClusterTranslator.translate(eds("c").setLbPolicy(Cluster.LbPolicy.RING_HASH)
        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(com.google.protobuf.UInt64Value.of(64)))
        .setOutlierDetection(OutlierDetection.getDefaultInstance()).build());
    assertThat(ring.lbPolicy()).isEqualTo(new LbPolicy.RingHash(64, 8 * 1024 * 1024));
    assertThat(ring.outlierDetection()).isEqualTo(OutlierDetectionConfig.DEFAULT);
  }

  @Test
  void translatesStaticEndpoints() throws Exception {
    Cluster c = Cluster.newBuilder().setName("static").setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("static")
            .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("z1"))
                .addLbEndpoints(lbEndpoint("10.0.0.1", 8080, 0, HealthStatus.HEALTHY))
                .addLbEndpoints(lbEndpoint("fd00::2", 8080, 3, HealthStatus.DRAINING))
                .addLbEndpoints(lbEndpoint("10.0.0.3", 8080, 1, HealthStatus.DEGRADED))))
        .build();
    assertThat(ClusterTranslator.translate(c).staticEndpoints()).containsExactly(
        new Endpoint("10.0.0.1:8080", 1, Endpoint.Health.HEALTHY),
        new Endpoint("[fd00::2]:8080", 3, Endpoint.Health.DRAINING),
        new Endpoint("10.0.0.3:8080", 1, Endpoint.Health.UNHEALTHY));
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("maglev", (UnaryOperator<Cluster.Builder>) b -> b.setLbPolicy(Cluster.LbPolicy.MAGLEV),
            "cluster.lb_policy: MAGLEV not supported (use ROUND_ROBIN, LEAST_REQUEST or RING_HASH)"),
        Arguments.of("dns", (UnaryOperator<Cluster.Builder>) b -> b.setType(Cluster.DiscoveryType.STRICT_DNS).clearEdsClusterConfig(),
            "cluster.type: STRICT_DNS not supported (use EDS or STATIC)"),
        Arguments.of("murmur", (UnaryOperator<Cluster.Builder>) b -> b.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2)),
            "cluster.ring_hash_lb_config.hash_function: MURMUR_HASH_2 not supported"),
        Arguments.of("ring config on round robin", (UnaryOperator<Cluster.Builder>) b -> b
                .setRingHashLbConfig(Cluster.RingHashLbConfig.getDefaultInstance()),
            "cluster.ring_hash_lb_config: only allowed with lb_policy RING_HASH"),
        Arguments.of("active request bias", (UnaryOperator<Cluster.Builder>) b -> b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setActiveRequestBias(
                    io.envoyproxy.envoy.config.core.v3.RuntimeDouble.newBuilder().setDefaultValue(2))),
            "cluster.least_request_lb_config.active_request_bias: not supported"),
        Arguments.of("high priority breaker", (UnaryOperator<Cluster.Builder>) b -> b.setCircuitBreakers(CircuitBreakers.newBuilder()
                .addThresholds(CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.HIGH))),
            "cluster.circuit_breakers.thresholds[0].priority: HIGH not supported (only DEFAULT)"),
        Arguments.of("track remaining", (UnaryOperator<Cluster.Builder>) b -> b.setCircuitBreakers(CircuitBreakers.newBuilder()
                .addThresholds(CircuitBreakers.Thresholds.newBuilder().setTrackRemaining(true))),
            "cluster.circuit_breakers.thresholds[0].track_remaining: not supported"),
        Arguments.of("per host thresholds", (UnaryOperator<Cluster.Builder>) b -> b.setCircuitBreakers(CircuitBreakers.newBuilder()
                .addPerHostThresholds(CircuitBreakers.Thresholds.getDefaultInstance())),
            "cluster.circuit_breakers.per_host_thresholds: not supported"),
        Arguments.of("success rate", (UnaryOperator<Cluster.Builder>) b -> b.setOutlierDetection(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(100))),
            "cluster.outlier_detection.enforcing_success_rate: not supported"),
        Arguments.of("bad max ejection percent", (UnaryOperator<Cluster.Builder>) b -> b.setOutlierDetection(OutlierDetection.newBuilder()
                .setMaxEjectionPercent(UInt32Value.of(150))),
            "cluster.outlier_detection: max_ejection_percent must be in [0, 100], got 150"),
        Arguments.of("tls", (UnaryOperator<Cluster.Builder>) b -> b.setTransportSocket(
                io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")),
            "cluster.transport_socket: not supported"),
        Arguments.of("eds over rest", (UnaryOperator<Cluster.Builder>) b -> b.setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.getDefaultInstance()))),
            "cluster.eds_cluster_config.eds_config.api_config_source: not supported"),
        Arguments.of("foreign metadata", (UnaryOperator<Cluster.Builder>) b -> b.setMetadata(Metadata.newBuilder()
                .putFilterMetadata("istio", Struct.getDefaultInstance())),
            "cluster.metadata.filter_metadata[\"istio\"]: not supported (only trellis.io/retry_budget)"),
        Arguments.of("budget typo", (UnaryOperator<Cluster.Builder>) b -> b.setMetadata(Metadata.newBuilder()
                .putFilterMetadata(ClusterTranslator.RETRY_BUDGET_METADATA, Struct.newBuilder()
                    .putFields("percentage", Value.newBuilder().setNumberValue(20).build()).build())),
            "cluster.metadata.filter_metadata[\"trellis.io/retry_budget\"].percentage: not supported (use percent, window_seconds, min_retries_per_second)"),
        Arguments.of("budget not a number", (UnaryOperator<Cluster.Builder>) b -> b.setMetadata(Metadata.newBuilder()
                .putFilterMetadata(ClusterTranslator.RETRY_BUDGET_METADATA, Struct.newBuilder()
                    .putFields("percent", Value.newBuilder().setStringValue("20%").build()).build())),
            "cluster.metadata.filter_metadata[\"trellis.io/retry_budget\"].percent: must be a number"),
        Arguments.of("zero connect timeout", (UnaryOperator<Cluster.Builder>) b -> b.setConnectTimeout(seconds(0)),
            "cluster.connect_timeout: must be > 0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void nacksNamingTheField(String name, UnaryOperator<Cluster.Builder> change, String expectedError) {
    Cluster c = change.apply(eds("c")).build();
    XdsNackException e = catchThrowableOfType(XdsNackException.class, () -> ClusterTranslator.translate(c));
    assertThat(e).as("expected a NACK").isNotNull();
    assertThat(e.errors()).extracting(FieldError::toString).contains(expectedError);
  }

  static Stream<Arguments> badAssignments() {
    return Stream.of(
        Arguments.of(ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .setPriority(1).addLbEndpoints(lbEndpoint("10.0.0.1", 80, 0, HealthStatus.HEALTHY))).build(),
            "cluster_load_assignment.endpoints[0].priority: not supported"),
        Arguments.of(ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(lbEndpoint("10.0.0.1", 0, 0, HealthStatus.HEALTHY))).build(),
            "cluster_load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address: needs an address and a port_value in [1, 65535]"),
        Arguments.of(ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(lbEndpoint("10.0.0.1", 80, 0, HealthStatus.HEALTHY))
                .addLbEndpoints(lbEndpoint("10.0.0.1", 80, 0, HealthStatus.HEALTHY))).build(),
            "cluster_load_assignment.endpoints[0].lb_endpoints[1]: duplicate endpoint 10.0.0.1:80"),
        Arguments.of(ClusterLoadAssignment.newBuilder().setClusterName("c").setPolicy(
                ClusterLoadAssignment.Policy.newBuilder().setOverprovisioningFactor(UInt32Value.of(140))).build(),
            "cluster_load_assignment.policy: not supported"),
        Arguments.of(ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(LbEndpoint.getDefaultInstance())).build(),
            "cluster_load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address: is required"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badAssignments")
  void nacksBadEndpoints(ClusterLoadAssignment cla, String expectedError) {
    XdsNackException e = catchThrowableOfType(XdsNackException.class, () -> EndpointsTranslator.translate(cla));
    assertThat(e).as("expected a NACK").isNotNull();
    assertThat(e.errors()).extracting(FieldError::toString).contains(expectedError);
  }

  @Test
  void translatesEndpointsFromEds() throws Exception {
    // The shape the Trellis controller sends: one default locality of weight 1.
    List<Endpoint> eps = EndpointsTranslator.translate(ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.getDefaultInstance())
            .setLoadBalancingWeight(UInt32Value.of(1))
            .addLbEndpoints(lbEndpoint("10.1.0.1", 9080, 2, HealthStatus.UNKNOWN))
            .addLbEndpoints(lbEndpoint("10.1.0.2", 9080, 0, HealthStatus.UNHEALTHY)))
        .build());
    assertThat(eps).containsExactly(
        new Endpoint("10.1.0.1:9080", 2, Endpoint.Health.UNKNOWN),
        new Endpoint("10.1.0.2:9080", 1, Endpoint.Health.UNHEALTHY));
  }
}
