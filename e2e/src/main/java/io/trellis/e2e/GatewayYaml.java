package io.trellis.e2e;

import java.util.List;

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
        return waypoint(origin, name, namespace, List.of(address));
    }

    /** The same with one address per waypoint replica. */
    public static String waypoint(String origin, String name, String namespace, List<String> addresses) {
        StringBuilder yaml = new StringBuilder("""
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
                """.formatted(origin, name, namespace));
        for (String address : addresses) {
            yaml.append("    - type: IPAddress\n      value: ").append(address).append('\n');
        }
        return yaml.toString();
    }
}
