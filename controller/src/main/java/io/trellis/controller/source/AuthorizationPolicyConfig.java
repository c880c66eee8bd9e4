package io.trellis.controller.source;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code trellis.io/v1alpha1 AuthorizationPolicy}.
 *
 * @param selector {@code spec.selector.matchLabels}; null means every workload of the namespace
 *                 (or of the mesh, in the root namespace)
 */
public record AuthorizationPolicyConfig(ObjectMeta meta, @Nullable Map<String, String> selector, Action action,
                                        List<Rule> rules) implements ConfigObject {

    public AuthorizationPolicyConfig {
        selector = selector == null ? null : Map.copyOf(selector);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return "AuthorizationPolicy";
    }

    public enum Action { ALLOW, DENY }

    /** Matches when (no from, or any from matches) and (no to, or any to matches). */
    public record Rule(List<Source> from, List<Operation> to) {
        public Rule {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    /** IP blocks are CIDRs or single addresses, as written. */
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

    /** Ports are L4 (node-proxy); methods and paths are L7 (waypoint only). */
    public record Operation(List<Integer> ports, List<Integer> notPorts, List<String> methods, List<String> paths) {
        public Operation {
            ports = List.copyOf(ports);
            notPorts = List.copyOf(notPorts);
            methods = List.copyOf(methods);
            paths = List.copyOf(paths);
        }

        /** True when the operation needs HTTP to be evaluated. */
        public boolean hasL7() {
            return !methods.isEmpty() || !paths.isEmpty();
        }
    }
}
