package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One Kubernetes API request as RBAC sees it: verb, API group, resource (with {@code /subresource}), namespace.
 * Parsed from the method and path a client sent, the way the API server's request-info resolver does.
 */
record ApiRequest(String verb, String group, String resource, @Nullable String namespace) {

    /** Parses {@code GET /apis/apps/v1/namespaces/demo/deployments/wp} and the like; null for non-resource paths. */
    static @Nullable ApiRequest parse(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        String[] s = path.replaceFirst("^/", "").split("/");
        int rest;
        String group;
        if (s.length >= 3 && s[0].equals("api")) {
            group = "";
            rest = 2;
        } else if (s.length >= 4 && s[0].equals("apis")) {
            group = s[1];
            rest = 3;
        } else {
            return null; // discovery, /version: not resource requests
        }
        List<String> parts = List.of(s).subList(rest, s.length);
        String namespace = null;
        if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
            namespace = parts.get(1);
            parts = parts.subList(2, parts.size());
        }
        String resource = parts.get(0);
        String name = parts.size() > 1 ? parts.get(1) : null;
        if (parts.size() > 2) {
            resource = resource + "/" + parts.get(2);
        }
        boolean watch = List.of(query.split("&")).contains("watch=true");
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        return new ApiRequest(verb, group, resource, namespace);
    }

    /** Whether {@code rule} grants this request. */
    boolean grantedBy(PolicyRule rule) {
        return matches(rule.getApiGroups(), group) && matches(rule.getResources(), resource)
                && matches(rule.getVerbs(), verb);
    }

    private static boolean matches(@Nullable List<String> granted, String wanted) {
        return granted != null && (granted.contains("*") || granted.contains(wanted));
    }

    @Override
    public String toString() {
        return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                + (namespace == null ? "" : " in " + namespace);
    }
}
