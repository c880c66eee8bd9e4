package io.trellis.waypoint.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trellis.waypoint.resilience.AttemptOutcome;
import io.trellis.waypoint.resilience.OutlierDetectionConfig;
import io.trellis.waypoint.resilience.OutlierDetector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LoadBalancerTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1:80");
  private static final Endpoint B = Endpoint.of("10.0.0.2:80");
  private static final Endpoint C = Endpoint.of("10.0.0.3:80");

  static Stream<Arguments> policies() {
    return Stream.of(
        Arguments.of(new LbPolicy.RoundRobin()),
        Arguments.of(new LbPolicy.LeastRequest(2)),
        Arguments.of(LbPolicy.RingHash.DEFAULT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policies")
  void everyPolicySkipsUnhealthyAndDrainingEndpoints(LbPolicy policy) {
    List<Endpoint> eps = List.of(
        new Endpoint("10.0.0.1:80", 1, Endpoint.Health.UNHEALTHY),
        new Endpoint("10.0.0.2:80", 1, Endpoint.Health.HEALTHY),
        new Endpoint("10.0.0.3:80", 1, Endpoint.Health.DRAINING),
        new Endpoint("10.0.0.4:80", 1, Endpoint.Health.UNKNOWN));
    LoadBalancer lb = LoadBalancer.create(policy, eps, EndpointFilter.healthOnly(), new SplittableRandom(3));
    Set<String> picked = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      picked.add(lb.pick("key-" + i).address());
    }
    assertThat(picked).containsExactlyInAnyOrder("10.0.0.2:80", "10.0.0.4:80");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policies")
  void everyPolicyReturnsNullWhenNothingIsAvailable(LbPolicy policy) {
    List<Endpoint> eps = List.of(new Endpoint("10.0.0.1:80", 1, Endpoint.Health.UNHEALTHY));
    assertThat(LoadBalancer.create(policy, eps, EndpointFilter.healthOnly(), new SplittableRandom(1)).pick("k")).isNull();
    assertThat(LoadBalancer.create(policy, List.of(), EndpointFilter.healthOnly(), new SplittableRandom(1)).pick("k")).isNull();
    assertThat(LoadBalancer.NO_HEALTHY_FLAG.code()).isEqualTo("UH");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policies")
  void everyPolicySkipsEjectedEndpointsUntilTheEjectionEnds(LbPolicy policy) {
    AtomicLong now = new AtomicLong();
    OutlierDetector od = new OutlierDetector("c", new OutlierDetectionConfig(
        2, 100, 5, 0, java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(30),
        java.time.Duration.ofSeconds(300), 50), now::get, new SplittableRandom(1));
    od.setEndpoints(List.of(A.address(), B.address()));
    od.record(A.address(), AttemptOutcome.Response.http(503));
    od.record(A.address(), AttemptOutcome.Response.http(503));
    LoadBalancer lb = LoadBalancer.create(policy, List.of(A, B), EndpointFilter.healthAndOutliers(od), new SplittableRandom(5));
    for (int i = 0; i < 100; i++) {
      assertThat(lb.pick("k" + i)).isEqualTo(B);
    }
    now.addAndGet(java.time.Duration.ofSeconds(30).toNanos());
    Set<Endpoint> picked = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      picked.add(lb.pick("k" + i));
    }
    assertThat(picked).containsExactlyInAnyOrder(A, B);
  }

  @Test
  void roundRobinRotatesAndHonoursWeightsSmoothly() {
    LoadBalancer rr = LoadBalancer.create(new LbPolicy.RoundRobin(), List.of(A, B, C), EndpointFilter.healthOnly(), new SplittableRandom(1));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(rr.pick(null).address());
    }
    assertThat(order).containsExactly(A.address(), B.address(), C.address(), A.address(), B.address(), C.address());

    Endpoint heavy = new Endpoint("10.0.0.9:80", 5, Endpoint.Health.HEALTHY);
    LoadBalancer weighted = LoadBalancer.create(new LbPolicy.RoundRobin(), List.of(heavy, A), EndpointFilter.healthOnly(), new SplittableRandom(1));
    List<Endpoint> six = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      six.add(weighted.pick(null));
    }
    assertThat(six).filteredOn(e -> e.equals(heavy)).hasSize(5);
    assertThat(six.subList(0, 3)).contains(heavy); // spread: never 5 heavy picks in a row then A
    assertThat(six.indexOf(A)).isBetween(1, 4);
  }

  @Test
  void leastRequestPrefersTheLessLoadedOfTwoChoices() {
    LeastRequest lr = (LeastRequest) LoadBalancer.create(new LbPolicy.LeastRequest(2), List.of(A, B), EndpointFilter.healthOnly(), new SplittableRandom(11));
    for (int i = 0; i < 10; i++) {
      lr.requestStarted(A);
    }
    int toB = 0;
    for (int i = 0; i < 1000; i++) {
      if (lr.pick(null).equals(B)) {
        toB++;
      }
    }
    // With two endpoints, B is chosen unless both samples hit A (probability 1/4).
    assertThat(toB / 1000.0).isCloseTo(0.75, within(0.05));
    for (int i = 0; i < 10; i++) {
      lr.requestFinished(A);
    }
    lr.requestFinished(A); // extra finish must not go negative
    assertThat(lr.active(A)).isZero();
  }

  @Test
  void leastRequestBalancesLoadUnderSimulatedTraffic() {
    LoadBalancer lb = LoadBalancer.create(new LbPolicy.LeastRequest(2), List.of(A, B, C), EndpointFilter.healthOnly(), new SplittableRandom(2));
    // Requests to A never finish (a slow endpoint); others finish immediately.
    Map<Endpoint, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      Endpoint e = lb.pick(null);
      counts.merge(e, 1, Integer::sum);
      lb.requestStarted(e);
      if (!e.equals(A)) {
        lb.requestFinished(e);
      }
    }
    // Samples are drawn with replacement (as Envoy does), so the slow endpoint is picked only when
    // both samples land on it: 1/9 of picks instead of round robin's 1/3.
    assertThat(counts.getOrDefault(A, 0) / 3000.0).isCloseTo(1 / 9.0, within(0.03));
  }

  @Test
  void ringHashIsConsistentPerKey() {
    LoadBalancer rh = LoadBalancer.create(LbPolicy.RingHash.DEFAULT, List.of(A, B, C), EndpointFilter.healthOnly(), new SplittableRandom(1));
    for (int i = 0; i < 100; i++) {
      Endpoint first = rh.pick("user-" + i);
      assertThat(rh.pick("user-" + i)).isEqualTo(first);
    }
    assertThat(((RingHash) rh).ringSize()).isGreaterThanOrEqualTo(1024);
  }

  @Test
  void ringHashRemapsOnlyTheRemovedEndpointsKeysMostly() {
    List<Endpoint> ten = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ten.add(Endpoint.of("10.0.1." + i + ":8080"));
    }
    LoadBalancer before = LoadBalancer.create(LbPolicy.RingHash.DEFAULT, ten, EndpointFilter.healthOnly(), new SplittableRandom(1));
    Endpoint removed = ten.get(3);
    List<Endpoint> nine = new ArrayList<>(ten);
    nine.remove(removed);
    LoadBalancer after = LoadBalancer.create(LbPolicy.RingHash.DEFAULT, nine, EndpointFilter.healthOnly(), new SplittableRandom(1));
    int keys = 20_000;
    int onRemoved = 0;
    int survivorsMoved = 0;
    for (int i = 0; i < keys; i++) {
      String k = "session-" + i;
      Endpoint b = before.pick(k);
      Endpoint a = after.pick(k);
      if (b.equals(removed)) {
        onRemoved++;
        assertThat(a).isNotEqualTo(removed);
      } else if (!a.equals(b)) {
        survivorsMoved++;
      }
    }
    // Roughly a tenth of the keys lived on the removed endpoint and had to move.
    assertThat(onRemoved / (double) keys).isCloseTo(0.1, within(0.04));
    // Keys of the survivors stay put, except the few that the survivors' extra ring entries take over.
    assertThat(survivorsMoved / (double) (keys - onRemoved)).isLessThan(0.12);
    // A modulo-hash scheme would move about 90 % of all keys; the ring moves far fewer.
    assertThat((onRemoved + survivorsMoved) / (double) keys).isLessThan(0.25);
  }

  @Test
  void ringHashWalksPastAnEjectedOwnerWithoutMovingOtherKeys() {
    Set<String> down = new HashSet<>();
    EndpointFilter filter = e -> !down.contains(e.address());
    LoadBalancer rh = LoadBalancer.create(LbPolicy.RingHash.DEFAULT, List.of(A, B, C), filter, new SplittableRandom(1));
    Map<String, Endpoint> before = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      before.put("k" + i, rh.pick("k" + i));
    }
    down.add(B.address());
    for (var e : before.entrySet()) {
      Endpoint now = rh.pick(e.getKey());
      if (!e.getValue().equals(B)) {
        assertThat(now).isEqualTo(e.getValue());
      } else {
        assertThat(now).isNotEqualTo(B);
      }
    }
  }

  @Test
  void ringHashGivesHeavierEndpointsMoreKeys() {
    Endpoint heavy = new Endpoint("10.0.0.9:80", 3, Endpoint.Health.HEALTHY);
    LoadBalancer rh = LoadBalancer.create(LbPolicy.RingHash.DEFAULT, List.of(heavy, A), EndpointFilter.healthOnly(), new SplittableRandom(1));
    int heavyKeys = 0;
    for (int i = 0; i < 10_000; i++) {
      if (rh.pick("k" + i).equals(heavy)) {
        heavyKeys++;
      }
    }
    assertThat(heavyKeys / 10_000.0).isCloseTo(0.75, within(0.05));
  }
}
