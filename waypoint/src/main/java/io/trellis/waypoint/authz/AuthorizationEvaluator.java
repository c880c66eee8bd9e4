package io.trellis.waypoint.authz;

import java.util.List;

/**
 * Evaluates the L7 authorization policies that apply to one destination. Immutable and safe to
 * share between event loops.
 *
 * <p>Order, as in Istio: if any DENY policy matches, deny. Otherwise, if there is no ALLOW
 * policy, allow; if some ALLOW policy matches, allow; else deny.
 */
public final class AuthorizationEvaluator {
  private final List<AuthorizationPolicy> deny;
  private final List<AuthorizationPolicy> allow;

  /** An evaluator for these policies. */
  public AuthorizationEvaluator(List<AuthorizationPolicy> policies) {
    this.deny = policies.stream().filter(p -> p.action() == AuthorizationPolicy.Action.DENY).toList();
    this.allow = policies.stream().filter(p -> p.action() == AuthorizationPolicy.Action.ALLOW).toList();
  }

  /** Decides one request. */
  public AuthzDecision evaluate(AuthzRequest request) {
    for (AuthorizationPolicy p : deny) {
      if (matches(p, request)) {
        return new AuthzDecision(false, AuthzDecision.Reason.DENY_MATCHED, p.qualifiedName());
      }
    }
    if (allow.isEmpty()) {
      return new AuthzDecision(true,
          deny.isEmpty() ? AuthzDecision.Reason.NO_POLICIES : AuthzDecision.Reason.NO_DENY_MATCHED, null);
    }
    for (AuthorizationPolicy p : allow) {
      if (matches(p, request)) {
        return new AuthzDecision(true, AuthzDecision.Reason.ALLOW_MATCHED, p.qualifiedName());
      }
    }
    return new AuthzDecision(false, AuthzDecision.Reason.NO_ALLOW_MATCHED, null);
  }

  private static boolean matches(AuthorizationPolicy p, AuthzRequest r) {
    for (AuthorizationPolicy.Rule rule : p.rules()) {
      if (rule.matches(r)) {
        return true;
      }
    }
    return false;
  }
}
