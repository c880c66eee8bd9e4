package io.trellis.node.state;

import java.util.List;

/**
 * An L4 authorization policy as validated from its xDS resource. Immutable.
 *
 * <p>The policy matches a connection when any rule matches; a policy without rules matches nothing
 * (so an ALLOW policy without rules allows nothing, as in Istio).
 */
public record AuthorizationPolicy(String name, String namespace, Scope scope, Action action, List<Rule> rules) {

    /** Which workloads a policy applies to. */
    public enum Scope {
        /** Every workload in the mesh (a policy in the root namespace). */
        GLOBAL,
        /** Every workload of the policy's namespace. */
        NAMESPACE,
        /** The workloads that list the policy in {@link WorkloadInfo#authorizationPolicies()}. */
        WORKLOAD_SELECTOR
    }

    public enum Action { ALLOW, DENY }

    /**
     * Matches when (no {@code from}, or any matches) and (no {@code to}, or any matches).
     */
    public record Rule(List<Source> from, List<Destination> to) {
        public Rule {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    /**
     * Source conditions: every non-empty field must match (a field matches when any value does), every
     * {@code not} field must not match.
     *
     * @param principals SPIFFE ids without {@code spiffe://}; a leading or trailing {@code *} is a suffix or
     *                   prefix wildcard, {@code *} alone any authenticated peer
     */
    public record Source(List<String> principals, List<String> notPrincipals, List<String> namespaces,
                         List<String> notNamespaces, List<Cidr> ipBlocks, List<Cidr> notIpBlocks) {
        public Source {
            principals = List.copyOf(principals);
            notPrincipals = List.copyOf(notPrincipals);
            namespaces = List.copyOf(namespaces);
            notNamespaces = List.copyOf(notNamespaces);
            ipBlocks = List.copyOf(ipBlocks);
            notIpBlocks = List.copyOf(notIpBlocks);
        }
    }

    /** Destination conditions, same semantics as {@link Source}. */
    public record Destination(List<Integer> ports, List<Integer> notPorts) {
        public Destination {
            ports = List.copyOf(ports);
            notPorts = List.copyOf(notPorts);
        }
    }

    public AuthorizationPolicy {
        rules = List.copyOf(rules);
    }

    /** The xDS resource name: {@code <namespace>/<name>}. */
    public String key() {
        return namespace + "/" + name;
    }
}
