package io.trellis.controller.source;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/** Dispatches a YAML document to the decoder of its {@code apiVersion} and {@code kind}. */
final class ObjectDecoder {

    static final String GATEWAY_API = "gateway.networking.k8s.io/";
    static final String TRELLIS_API = "trellis.io/v1alpha1";

    private ObjectDecoder() {}

    /** Returns null for kinds the mesh does not use (Deployments, ConfigMaps, ...). */
    static @Nullable ConfigObject decode(JsonNode document) {
        Fields doc = Fields.root(document);
        String apiVersion = doc.string("apiVersion");
        String kind = doc.string("kind");
        if (apiVersion.equals("v1")) {
            return switch (kind) {
                case "Namespace" -> CoreDecoder.namespace(doc);
                case "Pod" -> CoreDecoder.pod(doc);
                case "Service" -> CoreDecoder.service(doc);
                case "ServiceAccount" -> CoreDecoder.serviceAccount(doc);
                default -> null;
            };
        }
        if (apiVersion.startsWith(GATEWAY_API)) {
            return switch (kind) {
                case "Gateway" -> GatewayApiDecoder.gateway(doc);
                case "HTTPRoute" -> GatewayApiDecoder.httpRoute(doc);
                case "GRPCRoute" -> GatewayApiDecoder.grpcRoute(doc);
                default -> null;
            };
        }
        if (apiVersion.equals(TRELLIS_API)) {
            return switch (kind) {
                case "AuthorizationPolicy" -> PolicyDecoder.authorizationPolicy(doc);
                case "ResiliencePolicy" -> PolicyDecoder.resiliencePolicy(doc);
                default -> throw new InvalidResourceException("kind",
                        "unknown trellis.io kind '" + kind + "': expected AuthorizationPolicy or ResiliencePolicy");
            };
        }
        return null;
    }
}
