package io.trellis.waypoint.authz;

import org.jspecify.annotations.Nullable;

/**
 * The result of authorizing a request. A denied request is answered 403; the access log
 * records {@link #policy()} so an operator can see which policy decided.
 *
 * @param allowed whether the request may proceed
 * @param reason why
 * @param policy {@code namespace/name} of the deciding policy, or null if no policy matched
 */
public record AuthzDecision(boolean allowed, Reason reason, @Nullable String policy) {
  /** Why a decision was made. */
  public enum Reason {
    /** No policy applies to the workload: allowed. */
    NO_POLICIES,
    /** A DENY policy matched: denied. */
    DENY_MATCHED,
    /** An ALLOW policy matched (and no DENY did): allowed. */
    ALLOW_MATCHED,
    /** ALLOW policies exist but none matched: denied. */
    NO_ALLOW_MATCHED,
    /** Only DENY policies exist and none matched: allowed. */
    NO_DENY_MATCHED
  }
}
