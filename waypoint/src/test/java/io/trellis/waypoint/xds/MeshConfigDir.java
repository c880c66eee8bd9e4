package io.trellis.waypoint.xds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A controller config directory (local mode): namespace {@code demo}, Gateway {@code reviews-waypoint}
 * of class trellis-waypoint, Service {@code reviews} bound to it, two versions as their own Services with
 * one pod each, and an HTTPRoute splitting reviews between them with a retry on 503.
 */
final class MeshConfigDir {

    static final String ROUTE_FILE = "30-route.yaml";

    private MeshConfigDir() {}

    /**
     * @param v1 IP of the reviews-v1 pod
     * @param v2 IP of the reviews-v2 pod
     * @param targetPort the pods' HTTP port
     */
    static void write(Path dir, String v1, String v2, int targetPort) throws IOException {
        Files.writeString(dir.resolve("00-mesh.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {trellis.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v1, namespace: demo, labels: {app: reviews, version: v1}}
                spec: {serviceAccountName: reviews, nodeName: node-a}
                status: {phase: Running, podIP: %1$s}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v2, namespace: demo, labels: {app: reviews, version: v2}}
                spec: {serviceAccountName: reviews, nodeName: node-a}
                status: {phase: Running, podIP: %2$s}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: reviews, namespace: demo, labels: {trellis.io/use-waypoint: reviews-waypoint}}
                spec:
                  selector: {app: reviews}
                  clusterIP: 10.96.0.20
                  ports: [{name: http, port: 9080, targetPort: %3$d, appProtocol: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: reviews-v1, namespace: demo}
                spec:
                  selector: {app: reviews, version: v1}
                  clusterIP: 10.96.0.21
                  ports: [{name: http, port: 9080, targetPort: %3$d, appProtocol: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: reviews-v2, namespace: demo}
                spec:
                  selector: {app: reviews, version: v2}
                  clusterIP: 10.96.0.22
                  ports: [{name: http, port: 9080, targetPort: %3$d, appProtocol: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: ratings, namespace: demo}
                spec:
                  selector: {app: ratings}
                  clusterIP: 10.96.0.30
                  ports: [{name: http, port: 9080, targetPort: 9080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: reviews-waypoint, namespace: demo}
                spec:
                  gatewayClassName: trellis-waypoint
                  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                  addresses: [{type: IPAddress, value: 127.0.0.1}]
                """.formatted(v1, v2, targetPort));
        route(dir, 90, 10);
    }

    static void route(Path dir, int w1, int w2) throws IOException {
        Files.writeString(dir.resolve(ROUTE_FILE), """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: reviews, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
                  rules:
                    - backendRefs:
                        - {name: reviews-v1, port: 9080, weight: %d}
                        - {name: reviews-v2, port: 9080, weight: %d}
                      retry: {codes: [503], attempts: 2, backoff: 1ms}
                """.formatted(w1, w2));
    }

    static void policy(Path dir, String yaml) throws IOException {
        Files.writeString(dir.resolve("40-policy.yaml"), yaml);
    }
}
