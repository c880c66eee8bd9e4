package io.trellis.controller.source;

import java.util.List;

/** Decodes the Gateway API kinds ({@code gateway.networking.k8s.io/v1}). */
final class GatewayApiDecoder {

    private GatewayApiDecoder() {}

    static GatewayConfig gateway(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        String className = spec.string("gatewayClassName");
        List<GatewayConfig.Listener> listeners = spec.objects("listeners", l -> new GatewayConfig.Listener(
                l.string("name"), l.integer("port", 1, 65535), l.string("protocol")));
        List<java.net.InetAddress> addresses = new java.util.ArrayList<>();
        Fields status = doc.object("status");
        if (status != null) {
            addresses.addAll(status.objects("addresses", GatewayApiDecoder::ipAddress));
        }
        if (addresses.isEmpty()) {
            addresses.addAll(spec.objects("addresses", GatewayApiDecoder::ipAddress));
        }
        return new GatewayConfig(meta, className, listeners, addresses);
    }

    private static java.net.InetAddress ipAddress(Fields a) {
        String type = a.string("type", "IPAddress");
        if (!type.equals("IPAddress")) {
            throw new InvalidResourceException(a.field("type"), "only IPAddress is supported, got '" + type + "'");
        }
        return Fields.ip(a.string("value"), a.field("value"));
    }

    static HttpRouteConfig httpRoute(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        List<ParentRef> parents = parentRefs(spec, "parentRefs", meta.namespace());
        List<HttpRouteConfig.Rule> rules = spec.objects("rules", r -> httpRule(r, meta.namespace()));
        return new HttpRouteConfig(meta, parents, spec.strings("hostnames"), rules);
    }

    static GrpcRouteConfig grpcRoute(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        List<ParentRef> parents = parentRefs(spec, "parentRefs", meta.namespace());
        List<GrpcRouteConfig.Rule> rules = spec.objects("rules", r -> new GrpcRouteConfig.Rule(
                r.objects("matches", GatewayApiDecoder::grpcMatch),
                r.objects("filters", f -> filter(f, meta.namespace())),
                backendRefs(r, meta.namespace())));
        return new GrpcRouteConfig(meta, parents, spec.strings("hostnames"), rules);
    }

    static List<ParentRef> parentRefs(Fields spec, String field, String namespace) {
        List<ParentRef> refs = spec.objects(field, p -> {
            String kind = p.string("kind", "Gateway");
            String group = p.stringOrEmpty("group", kind.equals("Service") ? "" : "gateway.networking.k8s.io");
            if (!(kind.equals("Service") && group.isEmpty())
                    && !(kind.equals("Gateway") && group.equals("gateway.networking.k8s.io"))) {
                throw new InvalidResourceException(p.field("kind"), "must be a core Service or a Gateway, got "
                        + group + "/" + kind);
            }
            return new ParentRef(group, kind, p.string("namespace", namespace), p.string("name"),
                    p.integer("port", 1, 65535, 0), p.string("sectionName", ""));
        });
        if (refs.isEmpty()) {
            throw new InvalidResourceException(spec.field(field), "must name at least one parent");
        }
        return refs;
    }

    private static HttpRouteConfig.Rule httpRule(Fields r, String namespace) {
        Fields timeouts = r.object("timeouts");
        Fields retry = r.object("retry");
        return new HttpRouteConfig.Rule(
                r.objects("matches", GatewayApiDecoder::httpMatch),
                r.objects("filters", f -> filter(f, namespace)),
                backendRefs(r, namespace),
                timeouts == null ? null : timeouts.duration("request"),
                timeouts == null ? null : timeouts.duration("backendRequest"),
                retry == null ? null : new HttpRouteConfig.Retry(
                        statusCodes(retry),
                        retry.integer("attempts", 0, 100, 1),
                        retry.duration("backoff")));
    }

    private static List<Integer> statusCodes(Fields retry) {
        List<Integer> codes = retry.ports("codes");
        for (int i = 0; i < codes.size(); i++) {
            if (codes.get(i) < 400 || codes.get(i) > 599) {
                throw new InvalidResourceException(retry.field("codes") + "[" + i + "]",
                        "must be an HTTP status in [400, 599], got " + codes.get(i));
            }
        }
        return codes;
    }

    private static HttpRouteConfig.Match httpMatch(Fields m) {
        String pathType = "PathPrefix";
        String path = "/";
        Fields p = m.object("path");
        if (p != null) {
            pathType = p.string("type", "PathPrefix");
            if (!List.of("Exact", "PathPrefix", "RegularExpression").contains(pathType)) {
                throw new InvalidResourceException(p.field("type"),
                        "must be Exact, PathPrefix or RegularExpression, got '" + pathType + "'");
            }
            path = p.string("value", "/");
            if (!pathType.equals("RegularExpression") && !path.startsWith("/")) {
                throw new InvalidResourceException(p.field("value"), "must start with '/', got '" + path + "'");
            }
        }
        return new HttpRouteConfig.Match(pathType, path, m.objects("headers", GatewayApiDecoder::headerMatch),
                m.string("method", ""));
    }

    private static GrpcRouteConfig.Match grpcMatch(Fields m) {
        Fields method = m.object("method");
        String service = method == null ? "" : method.string("service", "");
        String name = method == null ? "" : method.string("method", "");
        return new GrpcRouteConfig.Match(service, name, m.objects("headers", GatewayApiDecoder::headerMatch));
    }

    private static HeaderMatch headerMatch(Fields h) {
        String type = h.string("type", "Exact");
        if (!type.equals("Exact") && !type.equals("RegularExpression")) {
            throw new InvalidResourceException(h.field("type"), "must be Exact or RegularExpression, got '"
                    + type + "'");
        }
        return new HeaderMatch(h.string("name"), h.string("value"), type.equals("RegularExpression"));
    }

    static List<BackendRef> backendRefs(Fields rule, String namespace) {
        return rule.objects("backendRefs", b -> backendRef(b, namespace));
    }

    private static BackendRef backendRef(Fields b, String namespace) {
        String kind = b.string("kind", "Service");
        if (!kind.equals("Service")) {
            throw new InvalidResourceException(b.field("kind"), "only Service backends are supported, got '"
                    + kind + "'");
        }
        return new BackendRef(b.string("name"), b.string("namespace", namespace), b.integer("port", 1, 65535),
                b.integer("weight", 0, 1_000_000, 1));
    }

    private static RouteFilter filter(Fields f, String namespace) {
        String type = f.string("type");
        return switch (type) {
            case "RequestHeaderModifier", "ResponseHeaderModifier" -> {
                boolean response = type.startsWith("Response");
                Fields m = f.requiredObject(response ? "responseHeaderModifier" : "requestHeaderModifier");
                yield new RouteFilter.HeaderModifier(response, nameValues(m, "set"), nameValues(m, "add"),
                        m.strings("remove"));
            }
            case "RequestMirror" -> {
                Fields m = f.requiredObject("requestMirror");
                yield new RouteFilter.RequestMirror(backendRef(m.requiredObject("backendRef"), namespace),
                        m.integer("percent", 0, 100, 100));
            }
            default -> throw new InvalidResourceException(f.field("type"),
                    "must be RequestHeaderModifier, ResponseHeaderModifier or RequestMirror, got '" + type + "'");
        };
    }

    private static java.util.Map<String, String> nameValues(Fields m, String field) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        m.objects(field, h -> out.put(h.string("name"), h.string("value")));
        return out;
    }
}
