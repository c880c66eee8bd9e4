package io.trellis.node.authz;

import io.trellis.identity.SpiffeId;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * L4 authorization of inbound connections at the destination node-proxy, as users of Istio expect:
 *
 * <ol>
 *   <li>plaintext to a STRICT workload is refused;</li>
 *   <li>any matching DENY policy denies;</li>
 *   <li>any matching ALLOW policy allows;</li>
 *   <li>a workload behind a waypoint refuses what did not come from that waypoint (no silent bypass);</li>
 *   <li>if ALLOW policies apply to the workload, nothing else is allowed; otherwise everything is.</li>
 * </ol>
 *
 * Stateless and allocation-light: call it on the event loop with the current {@link MeshState}.
 */
public final class L4Authorizer {

    private final MtlsMode mtlsMode;

    public L4Authorizer(MtlsMode mtlsMode) {
        this.mtlsMode = mtlsMode;
    }

    /** Authorizes a connection to {@code destination} (a workload this node serves). */
    public AuthzDecision authorize(MeshState state, WorkloadInfo destination, ConnectionAttributes connection) {
        if (connection.principal() == null && mtlsMode == MtlsMode.STRICT) {
            return AuthzDecision.deny(AuthzDecision.Reason.PLAINTEXT_STRICT_MTLS, null);
        }
        List<AuthorizationPolicy> policies = state.policiesFor(destination);
        String principal = connection.principalName();
        for (AuthorizationPolicy p : policies) {
            if (p.action() == AuthorizationPolicy.Action.DENY && PolicyMatcher.matches(p, connection, principal)) {
                return AuthzDecision.deny(AuthzDecision.Reason.DENIED_BY_POLICY, p.key());
            }
        }
        boolean anyAllow = false;
        for (AuthorizationPolicy p : policies) {
            if (p.action() == AuthorizationPolicy.Action.ALLOW) {
                anyAllow = true;
                if (PolicyMatcher.matches(p, connection, principal)) {
                    return AuthzDecision.allow(AuthzDecision.Reason.ALLOWED_BY_POLICY, p.key());
                }
            }
        }
        List<WaypointAddress> waypoints = state.waypointsOf(destination);
        if (!waypoints.isEmpty() && !fromOneOf(waypoints, connection.principal())) {
            return AuthzDecision.deny(AuthzDecision.Reason.WAYPOINT_BYPASS, null);
        }
        return anyAllow ? AuthzDecision.deny(AuthzDecision.Reason.NO_ALLOW_MATCH, null)
                : AuthzDecision.allow(AuthzDecision.Reason.NO_ALLOW_POLICY, null);
    }

    private static boolean fromOneOf(List<WaypointAddress> waypoints, @Nullable SpiffeId principal) {
        if (principal == null) {
            return false;
        }
        for (WaypointAddress w : waypoints) {
            if (w.identity().equals(principal)) {
                return true;
            }
        }
        return false;
    }

    public MtlsMode mtlsMode() {
        return mtlsMode;
    }
}
