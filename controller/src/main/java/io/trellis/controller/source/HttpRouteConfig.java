package io.trellis.controller.source;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A {@code gateway.networking.k8s.io/v1 HTTPRoute}. */
public record HttpRouteConfig(ObjectMeta meta, List<ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements ConfigObject {

    public HttpRouteConfig {
        parentRefs = List.copyOf(parentRefs);
        hostnames = List.copyOf(hostnames);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return "HTTPRoute";
    }

    /**
     * @param timeout        {@code timeouts.request}, null when unset
     * @param backendTimeout {@code timeouts.backendRequest}, null when unset
     * @param retry          {@code retry}, null when unset
     */
    public record Rule(List<Match> matches, List<RouteFilter> filters, List<BackendRef> backendRefs,
                       @Nullable Duration timeout, @Nullable Duration backendTimeout, @Nullable Retry retry) {
        public Rule {
            matches = List.copyOf(matches);
            filters = List.copyOf(filters);
            backendRefs = List.copyOf(backendRefs);
        }
    }

    /**
     * @param pathType {@code Exact}, {@code PathPrefix} or {@code RegularExpression}
     * @param method   {@code ""} for any method
     */
    public record Match(String pathType, String path, List<HeaderMatch> headers, String method) {
        public Match {
            headers = List.copyOf(headers);
        }
    }

    /** Gateway API HTTPRouteRetry: status codes to retry, attempts, backoff (null when unset). */
    public record Retry(List<Integer> codes, int attempts, @Nullable Duration backoff) {
        public Retry {
            codes = List.copyOf(codes);
        }
    }
}
