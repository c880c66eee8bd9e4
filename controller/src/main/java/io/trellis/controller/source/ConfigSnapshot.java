package io.trellis.controller.source;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a source currently holds: the valid objects by kind, and the problems of the ones left out.
 * Immutable; a source publishes a new snapshot on every change.
 */
public record ConfigSnapshot(List<NamespaceConfig> namespaces, List<PodConfig> pods, List<ServiceConfig> services,
                             List<ServiceAccountConfig> serviceAccounts, List<GatewayConfig> gateways,
                             List<HttpRouteConfig> httpRoutes, List<GrpcRouteConfig> grpcRoutes,
                             List<AuthorizationPolicyConfig> authorizationPolicies,
                             List<ResiliencePolicyConfig> resiliencePolicies, List<ConfigProblem> problems) {

    public ConfigSnapshot {
        namespaces = List.copyOf(namespaces);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        serviceAccounts = List.copyOf(serviceAccounts);
        gateways = List.copyOf(gateways);
        httpRoutes = List.copyOf(httpRoutes);
        grpcRoutes = List.copyOf(grpcRoutes);
        authorizationPolicies = List.copyOf(authorizationPolicies);
        resiliencePolicies = List.copyOf(resiliencePolicies);
        problems = List.copyOf(problems);
    }

    public static ConfigSnapshot empty() {
        return of(List.of(), List.of());
    }

    /**
     * Decodes one multi-document YAML text, as the directory source does for one file: invalid documents
     * become {@link #problems()}.
     */
    public static ConfigSnapshot parseYaml(String origin, String yaml) {
        YamlDocuments.Result r = YamlDocuments.parse(origin, yaml);
        return of(r.objects(), r.problems());
    }

    /** Sorts objects into their kinds. */
    public static ConfigSnapshot of(List<? extends ConfigObject> objects, List<ConfigProblem> problems) {
        List<NamespaceConfig> ns = new ArrayList<>();
        List<PodConfig> pods = new ArrayList<>();
        List<ServiceConfig> svcs = new ArrayList<>();
        List<ServiceAccountConfig> sas = new ArrayList<>();
        List<GatewayConfig> gws = new ArrayList<>();
        List<HttpRouteConfig> http = new ArrayList<>();
        List<GrpcRouteConfig> grpc = new ArrayList<>();
        List<AuthorizationPolicyConfig> authz = new ArrayList<>();
        List<ResiliencePolicyConfig> res = new ArrayList<>();
        for (ConfigObject o : objects) {
            switch (o) {
                case NamespaceConfig c -> ns.add(c);
                case PodConfig c -> pods.add(c);
                case ServiceConfig c -> svcs.add(c);
                case ServiceAccountConfig c -> sas.add(c);
                case GatewayConfig c -> gws.add(c);
                case HttpRouteConfig c -> http.add(c);
                case GrpcRouteConfig c -> grpc.add(c);
                case AuthorizationPolicyConfig c -> authz.add(c);
                case ResiliencePolicyConfig c -> res.add(c);
            }
        }
        return new ConfigSnapshot(ns, pods, svcs, sas, gws, http, grpc, authz, res, problems);
    }

    /** Every valid object, in kind order. */
    public List<ConfigObject> objects() {
        List<ConfigObject> all = new ArrayList<>();
        all.addAll(namespaces);
        all.addAll(pods);
        all.addAll(services);
        all.addAll(serviceAccounts);
        all.addAll(gateways);
        all.addAll(httpRoutes);
        all.addAll(grpcRoutes);
        all.addAll(authorizationPolicies);
        all.addAll(resiliencePolicies);
        return all;
    }
}
