package io.trellis.waypoint.route;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** What a ring-hash load balancer hashes for a request (Envoy {@code hash_policy}). */
public sealed interface HashPolicy {
  /** The value to hash, or null if this request has none. */
  @Nullable String value(Request request);

  /** Hash on a header's value. */
  record Header(String name) implements HashPolicy {
    @Override
    public @Nullable String value(Request request) {
      return request.headerForMatch(Headers.normalize(name));
    }
  }

  /** Hash on a query parameter's first value. */
  record QueryParameter(String name) implements HashPolicy {
    @Override
    public @Nullable String value(Request request) {
      return request.query().get(name);
    }
  }

  /**
   * The key to hash for a request under several policies: the values of every policy that
   * yields one, in order, joined; null if none does (the balancer then picks at random).
   */
  static @Nullable String hashKey(List<HashPolicy> policies, Request request) {
    @Nullable StringBuilder key = null;
    for (HashPolicy p : policies) {
      String v = p.value(request);
      if (v != null) {
        if (key == null) {
          key = new StringBuilder(v);
        } else {
          key.append('\u0000').append(v);
        }
      }
    }
    return key == null ? null : key.toString();
  }
}
