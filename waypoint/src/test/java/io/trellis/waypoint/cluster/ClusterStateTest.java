package io.trellis.waypoint.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.LbPolicy;
import io.trellis.waypoint.lb.LoadBalancer;
import io.trellis.waypoint.plan.Plan;
import io.trellis.waypoint.plan.RequestPlanner;
import io.trellis.waypoint.resilience.AttemptOutcome;
import io.trellis.waypoint.resilience.CircuitBreakerThresholds;
import io.trellis.waypoint.resilience.CircuitBreakers;
import io.trellis.waypoint.resilience.OutlierDetectionConfig;
import io.trellis.waypoint.resilience.RetryDecider;
import io.trellis.waypoint.resilience.RetryDecision;
import io.trellis.waypoint.resilience.RetryOn;
import io.trellis.waypoint.resilience.RetryPolicy;
import io.trellis.waypoint.authz.AuthorizationEvaluator;
import io.trellis.waypoint.authz.AuthzRequest;
import io.trellis.waypoint.route.GatewayRoutes;
import io.trellis.waypoint.route.GrpcRouteSpec;
import io.trellis.waypoint.route.Headers;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.route.RouteAction;
import io.trellis.waypoint.route.Timeouts;
import io.trellis.waypoint.route.WeightedBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The request lifecycle the data path drives, simulated against fake upstreams. */
class ClusterStateTest {
  private final AtomicLong now = new AtomicLong(1);

  private ClusterState cluster(String name, OutlierDetectionConfig od, CircuitBreakerThresholds cb, Endpoint... eps) {
    ClusterSettings s = new ClusterSettings(name, new LbPolicy.RoundRobin(), cb, od, null,
        ClusterSettings.DEFAULT_CONNECT_TIMEOUT, null, List.of(eps));
    return new ClusterState(s, now::get, new SplittableRandom(1));
  }

  @Test
  void ejectsAnEndpointAfterConsecutive503sAndRestoresItAfterTheEjectionTime() {
    Endpoint good = Endpoint.of("10.0.0.1:80");
    Endpoint bad = Endpoint.of("10.0.0.2:80");
    OutlierDetectionConfig od = new OutlierDetectionConfig(5, 100, 5, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(300), 50);
    ClusterState c = cluster("reviews", od, CircuitBreakerThresholds.DEFAULT, good, bad);
    LoadBalancer lb = c.newLoadBalancer(new SplittableRandom(1));
    int toBad = 0;
    for (int i = 0; i < 20; i++) {
      Endpoint e = lb.pick(null);
      if (e.equals(bad)) {
        toBad++;
      }
      c.recordOutcome(e, AttemptOutcome.Response.http(e.equals(bad) ? 503 : 200));
    }
    assertThat(toBad).isEqualTo(5); // round robin sent it 5 of the first 10, then it was ejected
    assertThat(c.isEjected(bad)).isTrue();
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    assertThat(c.isEjected(bad)).isFalse();
    assertThat(List.of(lb.pick(null), lb.pick(null))).contains(bad);
  }

  @Test
  void overflowingTheRequestBreakerMeans503WithUo() {
    ClusterState c = cluster("small", null, new CircuitBreakerThresholds(10, 10, 2, 3, null), Endpoint.of("10.0.0.1:80"));
    CircuitBreakers.Permit a = c.breakers().tryAcquire(CircuitBreakers.Resource.REQUESTS);
    CircuitBreakers.Permit b = c.breakers().tryAcquire(CircuitBreakers.Resource.REQUESTS);
    assertThat(c.breakers().tryAcquire(CircuitBreakers.Resource.REQUESTS)).isNull();
    assertThat(CircuitBreakers.OVERFLOW_FLAG.code()).isEqualTo("UO");
    a.release();
    b.release();
    assertThat(c.breakers().tryAcquire(CircuitBreakers.Resource.REQUESTS)).isNotNull();
  }

  @Test
  void endpointUpdatesBumpTheVersionAndKeepOutlierStateOfSurvivors() {
    Endpoint a = Endpoint.of("10.0.0.1:80");
    Endpoint b = Endpoint.of("10.0.0.2:80");
    OutlierDetectionConfig od = new OutlierDetectionConfig(1, 100, 5, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    ClusterState c = cluster("x", od, CircuitBreakerThresholds.DEFAULT, a, b);
    long v = c.endpointsVersion();
    c.recordOutcome(a, AttemptOutcome.Response.http(503));
    c.updateEndpoints(List.of(a, Endpoint.of("10.0.0.3:80")));
    assertThat(c.endpointsVersion()).isGreaterThan(v);
    assertThat(c.isEjected(a)).isTrue();
    assertThat(c.endpoints()).hasSize(2);
  }

  @Test
  void grpcWithAWeightedSplitAndARetryOnUnavailable() {
    RouteAction.Forward split = new RouteAction.Forward(
        List.of(new WeightedBackend("greeter-v1", 80), new WeightedBackend("greeter-v2", 20)),
        new Timeouts(Duration.ofSeconds(5), Duration.ZERO),
        new RetryPolicy(Set.of(RetryOn.UNAVAILABLE), 1, Set.of(), Duration.ZERO, Duration.ofMillis(25),
            Duration.ofMillis(250), Set.of("POST")), // gRPC calls are POSTs: opt in explicitly
        List.of(), List.of(), null, null);
    RequestPlanner planner = new RequestPlanner(GatewayRoutes.compile(List.of(), List.of(new GrpcRouteSpec("ns", "greeter",
        Instant.EPOCH, List.of(), List.of(GrpcRouteSpec.Rule.of(
            List.of(GrpcRouteSpec.MethodMatch.exact("helloworld.Greeter", "SayHello")), split))))),
        new AuthorizationEvaluator(List.of()));
    Map<String, ClusterState> clusters = Map.of(
        "greeter-v1", cluster("greeter-v1", null, CircuitBreakerThresholds.DEFAULT, Endpoint.of("10.0.1.1:50051")),
        "greeter-v2", cluster("greeter-v2", null, CircuitBreakerThresholds.DEFAULT, Endpoint.of("10.0.2.1:50051")));
    SplittableRandom random = new SplittableRandom(3);
    Map<String, Integer> perCluster = new HashMap<>();
    int succeeded = 0;
    int attempts = 0;
    for (int i = 0; i < 10_000; i++) {
      Request call = Request.of("POST", "/helloworld.Greeter/SayHello", "greeter.ns.svc:50051",
          Headers.of("content-type", "application/grpc", "te", "trailers"));
      Plan.Forward f = (Plan.Forward) planner.plan(new AuthzRequest(call, null, null), random);
      perCluster.merge(f.cluster(), 1, Integer::sum);
      ClusterState c = clusters.get(f.cluster());
      c.recordRequest();
      RetryDecider decider = c.retryDecider(f.retry(), random);
      LoadBalancer lb = c.newLoadBalancer(random);
      for (int attempt = 1; ; attempt++) {
        Endpoint e = lb.pick(f.hashKey());
        attempts++;
        // Every third call's first attempt hits an upstream that is restarting: grpc-status 14.
        AttemptOutcome outcome = attempt == 1 && i % 3 == 0
            ? AttemptOutcome.Response.grpc(14) : AttemptOutcome.Response.grpc(0);
        c.recordOutcome(e, outcome);
        RetryDecision d = decider.decide(outcome, attempt, call.method());
        if (d instanceof RetryDecision.Retry r) {
          r.attemptFinished();
          continue;
        }
        if (outcome instanceof AttemptOutcome.Response resp && resp.grpcStatus() == 0) {
          succeeded++;
        }
        break;
      }
    }
    assertThat(perCluster.get("greeter-v1") / 10_000.0).isCloseTo(0.8, within(0.02));
    assertThat(succeeded).isEqualTo(10_000);
    assertThat(attempts).isEqualTo(10_000 + 3334);
  }
}
