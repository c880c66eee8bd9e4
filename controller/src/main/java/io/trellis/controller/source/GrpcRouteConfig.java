package io.trellis.controller.source;

import java.util.List;

/** A {@code gateway.networking.k8s.io/v1 GRPCRoute}. */
public record GrpcRouteConfig(ObjectMeta meta, List<ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements ConfigObject {

    public GrpcRouteConfig {
        parentRefs = List.copyOf(parentRefs);
        hostnames = List.copyOf(hostnames);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return "GRPCRoute";
    }

    public record Rule(List<Match> matches, List<RouteFilter> filters, List<BackendRef> backendRefs) {
        public Rule {
            matches = List.copyOf(matches);
            filters = List.copyOf(filters);
            backendRefs = List.copyOf(backendRefs);
        }
    }

    /** {@code service}/{@code method} are {@code ""} when any is accepted. */
    public record Match(String service, String method, List<HeaderMatch> headers) {
        public Match {
            headers = List.copyOf(headers);
        }
    }
}
