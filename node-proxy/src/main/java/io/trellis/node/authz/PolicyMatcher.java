package io.trellis.node.authz;

import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.AuthorizationPolicy.Destination;
import io.trellis.node.state.AuthorizationPolicy.Rule;
import io.trellis.node.state.AuthorizationPolicy.Source;
import io.trellis.node.state.Cidr;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Whether a policy's rules match a connection, with Istio's semantics. Pure functions. */
final class PolicyMatcher {

    private PolicyMatcher() {}

    /**
     * @param principal {@link ConnectionAttributes#principalName()}, computed once per connection by the caller
     */
    static boolean matches(AuthorizationPolicy policy, ConnectionAttributes c, @Nullable String principal) {
        for (Rule rule : policy.rules()) {
            if (matches(rule, c, principal)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Rule rule, ConnectionAttributes c, @Nullable String principal) {
        boolean from = rule.from().isEmpty();
        for (Source s : rule.from()) {
            if (matches(s, c, principal)) {
                from = true;
                break;
            }
        }
        if (!from) {
            return false;
        }
        if (rule.to().isEmpty()) {
            return true;
        }
        for (Destination d : rule.to()) {
            if (matches(d, c.destinationPort())) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Source s, ConnectionAttributes c, @Nullable String principal) {
        String namespace = c.sourceNamespace();
        return (s.principals().isEmpty() || anyString(s.principals(), principal))
                && !anyString(s.notPrincipals(), principal)
                && (s.namespaces().isEmpty() || anyString(s.namespaces(), namespace))
                && !anyString(s.notNamespaces(), namespace)
                && (s.ipBlocks().isEmpty() || anyCidr(s.ipBlocks(), c))
                && !anyCidr(s.notIpBlocks(), c);
    }

    private static boolean matches(Destination d, int port) {
        return (d.ports().isEmpty() || d.ports().contains(port)) && !d.notPorts().contains(port);
    }

    private static boolean anyString(List<String> patterns, @Nullable String value) {
        if (value == null) {
            return false; // an unauthenticated peer has no principal or namespace to match, not even "*"
        }
        for (String p : patterns) {
            if (stringMatches(p, value)) {
                return true;
            }
        }
        return false;
    }

    /** Istio's string match: exact, {@code *} (any), {@code prefix*}, {@code *suffix}. */
    static boolean stringMatches(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*")) {
            return value.endsWith(pattern.substring(1));
        }
        if (pattern.endsWith("*")) {
            return value.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(value);
    }

    private static boolean anyCidr(List<Cidr> blocks, ConnectionAttributes c) {
        for (Cidr b : blocks) {
            if (b.contains(c.sourceIp())) {
                return true;
            }
        }
        return false;
    }
}
