package io.trellis.controller.source;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Decodes the project's own kinds ({@code trellis.io/v1alpha1}). */
final class PolicyDecoder {

    private PolicyDecoder() {}

    static AuthorizationPolicyConfig authorizationPolicy(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        Fields selector = spec.object("selector");
        Map<String, String> matchLabels = selector == null ? null : selector.stringMap("matchLabels");
        String action = spec.string("action", "ALLOW");
        AuthorizationPolicyConfig.Action parsed;
        try {
            parsed = AuthorizationPolicyConfig.Action.valueOf(action);
        } catch (IllegalArgumentException e) {
            throw new InvalidResourceException(spec.field("action"), "must be ALLOW or DENY, got '" + action + "'");
        }
        List<AuthorizationPolicyConfig.Rule> rules = spec.objects("rules", r -> new AuthorizationPolicyConfig.Rule(
                r.objects("from", f -> source(f.requiredObject("source"))),
                r.objects("to", t -> operation(t.requiredObject("operation")))));
        return new AuthorizationPolicyConfig(meta, matchLabels, parsed, rules);
    }

    private static AuthorizationPolicyConfig.Source source(Fields s) {
        return new AuthorizationPolicyConfig.Source(s.strings("principals"), s.strings("notPrincipals"),
                s.strings("namespaces"), s.strings("notNamespaces"), cidrs(s, "ipBlocks"), cidrs(s, "notIpBlocks"));
    }

    private static List<Cidr> cidrs(Fields s, String field) {
        List<String> texts = s.strings(field);
        java.util.ArrayList<Cidr> out = new java.util.ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            out.add(Fields.cidr(texts.get(i), s.field(field) + "[" + i + "]"));
        }
        return out;
    }

    private static AuthorizationPolicyConfig.Operation operation(Fields o) {
        return new AuthorizationPolicyConfig.Operation(o.ports("ports"), o.ports("notPorts"), o.strings("methods"),
                o.strings("paths"));
    }

    static ResiliencePolicyConfig resiliencePolicy(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        List<ParentRef> targets = GatewayApiDecoder.parentRefs(spec, "targetRefs", meta.namespace());
        for (int i = 0; i < targets.size(); i++) {
            if (!targets.get(i).kind().equals("Service")) {
                throw new InvalidResourceException(spec.field("targetRefs") + "[" + i + "].kind",
                        "must be Service, got '" + targets.get(i).kind() + "'");
            }
        }
        Fields budget = spec.object("retryBudget");
        Fields breaker = spec.object("circuitBreaker");
        Fields outlier = spec.object("outlierDetection");
        if (budget == null && breaker == null && outlier == null) {
            throw new InvalidResourceException("spec",
                    "must set at least one of retryBudget, circuitBreaker, outlierDetection");
        }
        return new ResiliencePolicyConfig(meta, targets,
                budget == null ? null : new ResiliencePolicyConfig.RetryBudget(
                        budget.number("percent", 0, 100, 20), budget.integer("minRetryConcurrency", 0, 1 << 20, 3)),
                breaker == null ? null : new ResiliencePolicyConfig.CircuitBreaker(
                        breaker.integer("maxConnections", 1, Integer.MAX_VALUE, 1024),
                        breaker.integer("maxPendingRequests", 1, Integer.MAX_VALUE, 1024),
                        breaker.integer("maxRequests", 1, Integer.MAX_VALUE, 1024),
                        breaker.integer("maxRetries", 0, Integer.MAX_VALUE, 3)),
                outlier == null ? null : new ResiliencePolicyConfig.OutlierDetection(
                        outlier.integer("consecutive5xx", 1, 1000, 5),
                        positive(outlier, "interval", Duration.ofSeconds(10)),
                        positive(outlier, "baseEjectionTime", Duration.ofSeconds(30)),
                        outlier.integer("maxEjectionPercent", 0, 100, 10)));
    }

    private static Duration positive(Fields f, String name, Duration fallback) {
        Duration d = f.duration(name, fallback);
        if (d.isZero()) {
            throw new InvalidResourceException(f.field(name), "must be longer than 0");
        }
        return d;
    }
}
