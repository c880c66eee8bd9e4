package io.trellis.controller.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ServiceModel;
import io.trellis.controller.source.BackendRef;
import io.trellis.controller.source.GrpcRouteConfig;
import io.trellis.controller.source.HeaderMatch;
import io.trellis.controller.source.HttpRouteConfig;
import io.trellis.controller.source.ParentRef;
import io.trellis.controller.source.RouteFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mesh (GAMMA) routes of one service port as an Envoy RouteConfiguration: HTTPRoute and GRPCRoute rules
 * whose parentRef is that Service, with matches, weighted backends, timeouts, retries, header filters and
 * mirroring. Without routes, everything goes to the service itself. Pure functions.
 */
public final class RouteTranslator {

    private RouteTranslator() {}

    /** Whether {@code ref} (written in {@code routeNamespace}'s route) attaches to this service port. */
    static boolean attaches(ParentRef ref, ServiceModel service, int port) {
        return ref.kind().equals("Service") && ref.group().isEmpty() && ref.name().equals(service.name())
                && ref.namespace().equals(service.namespace()) && (ref.port() == 0 || ref.port() == port);
    }

    public static RouteConfiguration routes(ServiceModel service, int port, List<HttpRouteConfig> httpRoutes,
                                            List<GrpcRouteConfig> grpcRoutes, Map<String, ServiceModel> services,
                                            MeshSettings settings) {
        List<Route> routes = new ArrayList<>();
        for (HttpRouteConfig r : httpRoutes) {
            if (r.parentRefs().stream().anyMatch(p -> attaches(p, service, port))) {
                for (HttpRouteConfig.Rule rule : r.rules()) {
                    routes.addAll(httpRule(r, rule, services, settings));
                }
            }
        }
        for (GrpcRouteConfig r : grpcRoutes) {
            if (r.parentRefs().stream().anyMatch(p -> attaches(p, service, port))) {
                for (GrpcRouteConfig.Rule rule : r.rules()) {
                    routes.addAll(grpcRule(r, rule, services, settings));
                }
            }
        }
        // most specific first, as the Gateway API orders matches; stable for equal ranks
        routes.sort(Comparator.comparingInt(RouteTranslator::specificity).reversed());
        routes.add(Route.newBuilder().setName("default")
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(EnvoyNames.cluster(service.hostname(), port)))
                .build());
        String name = EnvoyNames.listener(service.hostname(), port);
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName(name).addAllDomains(domains(service, port))
                        .addAllRoutes(routes))
                .build();
    }

    private static Set<String> domains(ServiceModel service, int port) {
        Set<String> d = new LinkedHashSet<>();
        d.add(service.hostname());
        d.add(service.hostname() + ":" + port);
        service.vips().forEach(v -> {
            String ip = v.getAddress().length == 16 ? "[" + v.getHostAddress() + "]" : v.getHostAddress();
            d.add(ip);
            d.add(ip + ":" + port);
        });
        return d;
    }

    /** Exact paths before long prefixes before short ones; more header matches first. */
    private static int specificity(Route r) {
        RouteMatch m = r.getMatch();
        int score = switch (m.getPathSpecifierCase()) {
            case PATH -> 3_000_000;
            case PATH_SEPARATED_PREFIX -> 2_000_000 + m.getPathSeparatedPrefix().length() * 100;
            case SAFE_REGEX -> 1_000_000;
            case PREFIX -> 1_000_000 + m.getPrefix().length() * 100;
            default -> 0;
        };
        return score + m.getHeadersCount();
    }

    private static List<Route> httpRule(HttpRouteConfig route, HttpRouteConfig.Rule rule,
                                        Map<String, ServiceModel> services, MeshSettings settings) {
        Route.Builder base = Route.newBuilder().setName(route.meta().key());
        boolean hasBackends = action(base, rule.backendRefs(), services, settings);
        if (hasBackends) {
            RouteAction.Builder a = base.getRouteBuilder();
            if (rule.timeout() != null) {
                a.setTimeout(Protos.duration(rule.timeout()));
            }
            if (rule.retry() != null || rule.backendTimeout() != null) {
                RetryPolicy.Builder retry = RetryPolicy.newBuilder();
                if (rule.retry() != null) {
                    retry.setNumRetries(UInt32Value.of(rule.retry().attempts()));
                    if (rule.retry().codes().isEmpty()) {
                        retry.setRetryOn("5xx,connect-failure,reset");
                    } else {
                        retry.setRetryOn("retriable-status-codes,connect-failure,reset")
                                .addAllRetriableStatusCodes(rule.retry().codes());
                    }
                    if (rule.retry().backoff() != null) {
                        retry.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder()
                                .setBaseInterval(Protos.duration(rule.retry().backoff())));
                    }
                } else {
                    retry.setNumRetries(UInt32Value.of(0));
                }
                if (rule.backendTimeout() != null) {
                    retry.setPerTryTimeout(Protos.duration(rule.backendTimeout()));
                }
                a.setRetryPolicy(retry);
            }
        }
        filters(base, rule.filters(), services, settings);
        List<Route> out = new ArrayList<>();
        if (rule.matches().isEmpty()) {
            out.add(base.setMatch(RouteMatch.newBuilder().setPrefix("/")).build());
        }
        for (HttpRouteConfig.Match m : rule.matches()) {
            RouteMatch.Builder match = RouteMatch.newBuilder();
            switch (m.pathType()) {
                case "Exact" -> match.setPath(m.path());
                case "RegularExpression" -> match.setSafeRegex(RegexMatcher.newBuilder().setRegex(m.path()));
                default -> {
                    // Gateway API prefixes match whole path segments: /foo matches /foo/bar, not /foobar
                    String p = m.path().length() > 1 && m.path().endsWith("/")
                            ? m.path().substring(0, m.path().length() - 1) : m.path();
                    if (p.equals("/")) {
                        match.setPrefix("/");
                    } else {
                        match.setPathSeparatedPrefix(p);
                    }
                }
            }
            m.headers().forEach(h -> match.addHeaders(header(h)));
            if (!m.method().isEmpty()) {
                match.addHeaders(header(new HeaderMatch(":method", m.method(), false)));
            }
            out.add(base.clone().setMatch(match).build());
        }
        return out;
    }

    private static List<Route> grpcRule(GrpcRouteConfig route, GrpcRouteConfig.Rule rule,
                                        Map<String, ServiceModel> services, MeshSettings settings) {
        Route.Builder base = Route.newBuilder().setName(route.meta().key());
        action(base, rule.backendRefs(), services, settings);
        filters(base, rule.filters(), services, settings);
        List<Route> out = new ArrayList<>();
        if (rule.matches().isEmpty()) {
            out.add(base.setMatch(RouteMatch.newBuilder().setPrefix("/")).build());
        }
        for (GrpcRouteConfig.Match m : rule.matches()) {
            RouteMatch.Builder match = RouteMatch.newBuilder();
            if (!m.service().isEmpty() && !m.method().isEmpty()) {
                match.setPath("/" + m.service() + "/" + m.method());
            } else if (!m.service().isEmpty()) {
                match.setPrefix("/" + m.service() + "/");
            } else if (!m.method().isEmpty()) {
                match.setSafeRegex(RegexMatcher.newBuilder().setRegex("/[^/]+/" + java.util.regex.Pattern.quote(
                        m.method())));
            } else {
                match.setPrefix("/");
            }
            m.headers().forEach(h -> match.addHeaders(header(h)));
            out.add(base.clone().setMatch(match).build());
        }
        return out;
    }

    /**
     * Sets the route's action: weighted clusters of the backends that exist. Returns false (and answers 500,
     * as the Gateway API asks) when no backend resolves.
     */
    private static boolean action(Route.Builder route, List<BackendRef> refs, Map<String, ServiceModel> services,
                                  MeshSettings settings) {
        WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
        for (BackendRef b : refs) {
            if (b.weight() == 0 || !services.containsKey(key(b, settings))) {
                continue;
            }
            weighted.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                    .setName(EnvoyNames.cluster(hostname(b, settings), b.port()))
                    .setWeight(UInt32Value.of(b.weight())));
        }
        if (weighted.getClustersCount() == 0) {
            route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500));
            return false;
        }
        if (weighted.getClustersCount() == 1) {
            route.setRoute(RouteAction.newBuilder().setCluster(weighted.getClusters(0).getName()));
        } else {
            route.setRoute(RouteAction.newBuilder().setWeightedClusters(weighted));
        }
        return true;
    }

    private static void filters(Route.Builder route, List<RouteFilter> filters, Map<String, ServiceModel> services,
                                MeshSettings settings) {
        for (RouteFilter f : filters) {
            switch (f) {
                case RouteFilter.HeaderModifier h -> {
                    List<HeaderValueOption> add = new ArrayList<>();
                    h.set().forEach((k, v) -> add.add(headerValue(k, v,
                            HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
                    h.add().forEach((k, v) -> add.add(headerValue(k, v,
                            HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
                    if (h.response()) {
                        route.addAllResponseHeadersToAdd(add).addAllResponseHeadersToRemove(h.remove());
                    } else {
                        route.addAllRequestHeadersToAdd(add).addAllRequestHeadersToRemove(h.remove());
                    }
                }
                case RouteFilter.RequestMirror m -> {
                    if (route.hasRoute() && services.containsKey(key(m.backend(), settings))) {
                        route.getRouteBuilder().addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                                .setCluster(EnvoyNames.cluster(hostname(m.backend(), settings), m.backend().port()))
                                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(
                                        FractionalPercent.newBuilder().setNumerator(m.percent())
                                                .setDenominator(FractionalPercent.DenominatorType.HUNDRED))));
                    }
                }
            }
        }
    }

    private static HeaderValueOption headerValue(String name, String value,
                                                 HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(action).build();
    }

    private static HeaderMatcher header(HeaderMatch h) {
        StringMatcher.Builder s = StringMatcher.newBuilder();
        if (h.regex()) {
            s.setSafeRegex(RegexMatcher.newBuilder().setRegex(h.value()));
        } else {
            s.setExact(h.value());
        }
        return HeaderMatcher.newBuilder().setName(h.name().toLowerCase(java.util.Locale.ROOT)).setStringMatch(s)
                .build();
    }

    private static String hostname(BackendRef b, MeshSettings settings) {
        return b.name() + "." + b.namespace() + ".svc." + settings.clusterDomain();
    }

    private static String key(BackendRef b, MeshSettings settings) {
        return b.namespace() + "/" + hostname(b, settings);
    }
}
