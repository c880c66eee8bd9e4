package io.trellis.waypoint.lb;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Smooth weighted round robin (as in nginx): each pick adds every available endpoint's weight
 * to its running score, picks the highest score and subtracts the total from it. With equal
 * weights this is plain rotation; with weights 5:1 the heavy endpoint gets 5 of every 6 picks,
 * spread out rather than in a burst. Unavailable endpoints are skipped and do not accumulate.
 */
final class RoundRobin implements LoadBalancer {
  private final Endpoint[] endpoints;
  private final long[] score;
  private final EndpointFilter filter;

  RoundRobin(List<Endpoint> endpoints, EndpointFilter filter) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.score = new long[this.endpoints.length];
    this.filter = filter;
  }

  @Override
  public @Nullable Endpoint pick(@Nullable String hashKey) {
    int best = -1;
    long total = 0;
    for (int i = 0; i < endpoints.length; i++) {
      if (!filter.available(endpoints[i])) {
        continue;
      }
      score[i] += endpoints[i].weight();
      total += endpoints[i].weight();
      if (best < 0 || score[i] > score[best]) {
        best = i;
      }
    }
    if (best < 0) {
      return null;
    }
    score[best] -= total;
    return endpoints[best];
  }
}
