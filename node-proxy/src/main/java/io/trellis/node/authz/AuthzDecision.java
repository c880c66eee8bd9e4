package io.trellis.node.authz;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of L4 authorization, with the policy that decided it (if any) and why: what the access log and
 * the denial metrics show.
 *
 * @param policy {@code <namespace>/<name>} of the deciding policy, or null when no single policy decided
 */
public record AuthzDecision(boolean allowed, Reason reason, @Nullable String policy) {

    public enum Reason {
        /** No policy denied and no ALLOW policy applies to the workload. */
        NO_ALLOW_POLICY(true),
        /** An ALLOW policy matched. */
        ALLOWED_BY_POLICY(true),
        /** A DENY policy matched. */
        DENIED_BY_POLICY(false),
        /** ALLOW policies apply to the workload and none matched. */
        NO_ALLOW_MATCH(false),
        /** Plaintext to a workload in STRICT mTLS mode. */
        PLAINTEXT_STRICT_MTLS(false),
        /** The workload is behind a waypoint, the connection did not come from it, and no ALLOW policy allows it. */
        WAYPOINT_BYPASS(false);

        private final boolean allows;

        Reason(boolean allows) {
            this.allows = allows;
        }
    }

    public AuthzDecision {
        if (allowed != reason.allows) {
            throw new IllegalArgumentException(reason + " cannot be an " + (allowed ? "allow" : "deny"));
        }
    }

    static AuthzDecision allow(Reason reason, @Nullable String policy) {
        return new AuthzDecision(true, reason, policy);
    }

    static AuthzDecision deny(Reason reason, @Nullable String policy) {
        return new AuthzDecision(false, reason, policy);
    }

    /** Lower-case reason, a metric label value and access-log field. */
    public String reasonLabel() {
        return reason.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return (allowed ? "allow" : "deny") + " reason=" + reasonLabel() + (policy == null ? "" : " policy=" + policy);
    }
}
