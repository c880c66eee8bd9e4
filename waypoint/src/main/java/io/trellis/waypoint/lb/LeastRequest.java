package io.trellis.waypoint.lb;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Least request with power of N choices: sample {@code choiceCount} available endpoints at
 * random and take the one with the fewest active requests. When weights differ, the one with the
 * highest {@code weight / (active + 1)} wins instead (Envoy's weighted form with bias 1).
 * Sampling instead of scanning keeps picks O(1) in the choices and avoids every worker
 * stampeding onto the same least-loaded endpoint.
 */
final class LeastRequest implements LoadBalancer {
  private final Endpoint[] endpoints;
  private final Map<String, Integer> index = new HashMap<>();
  private final int[] active;
  private final int[] scratch;
  private final EndpointFilter filter;
  private final RandomGenerator random;
  private final int choiceCount;
  private final boolean weighted;

  LeastRequest(List<Endpoint> endpoints, EndpointFilter filter, RandomGenerator random, int choiceCount) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.active = new int[this.endpoints.length];
    this.scratch = new int[this.endpoints.length];
    this.filter = filter;
    this.random = random;
    this.choiceCount = choiceCount;
    boolean differ = false;
    for (int i = 0; i < this.endpoints.length; i++) {
      index.put(this.endpoints[i].address(), i);
      differ |= this.endpoints[i].weight() != this.endpoints[0].weight();
    }
    this.weighted = differ;
  }

  @Override
  public @Nullable Endpoint pick(@Nullable String hashKey) {
    int n = 0;
    for (int i = 0; i < endpoints.length; i++) {
      if (filter.available(endpoints[i])) {
        scratch[n++] = i;
      }
    }
    if (n == 0) {
      return null;
    }
    int best = scratch[random.nextInt(n)];
    for (int c = 1; c < choiceCount; c++) {
      int candidate = scratch[random.nextInt(n)];
      if (better(candidate, best)) {
        best = candidate;
      }
    }
    return endpoints[best];
  }

  private boolean better(int a, int b) {
    if (!weighted) {
      return active[a] < active[b];
    }
    return (double) endpoints[a].weight() / (active[a] + 1) > (double) endpoints[b].weight() / (active[b] + 1);
  }

  @Override
  public void requestStarted(Endpoint endpoint) {
    Integer i = index.get(endpoint.address());
    if (i != null) {
      active[i]++;
    }
  }

  @Override
  public void requestFinished(Endpoint endpoint) {
    Integer i = index.get(endpoint.address());
    if (i != null && active[i] > 0) {
      active[i]--;
    }
  }

  int active(Endpoint endpoint) {
    Integer i = index.get(endpoint.address());
    return i == null ? 0 : active[i];
  }
}
