package io.trellis.e2e;

/**
 * The Gateway object (class {@code trellis-waypoint}) that deploys a waypoint at a fixed address, as the lab and the
 * loopback mesh write it into the controller's config directory.
 */
public final class GatewayYaml {

    private GatewayYaml() {
    }

    /**
     * A Gateway named {@code name} in {@code namespace} listening for HBONE on 15008 at {@code address};
     * {@code origin} says in a comment who wrote it and why that address.
     */
    public static String waypoint(String origin, String name, String namespace, String address) {
        return """
                # Written by %s
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  gatewayClassName: trellis-waypoint
                  listeners:
                    - name: mesh
                      port: 15008
                      protocol: HBONE
                  addresses:
                    - type: IPAddress
                      value: %s
                """.formatted(origin, name, namespace, address);
    }
}
