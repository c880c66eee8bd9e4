package io.trellis.waypoint.telemetry;

import org.jspecify.annotations.Nullable;

/**
 * The facts about one finished request that metrics and the access log report.
 *
 * @param startEpochMillis wall-clock start, for the access log
 * @param durationNanos from the request head to the last response byte (or the failure)
 * @param method request method
 * @param path request target (path and query)
 * @param authority {@code :authority} / Host
 * @param requestProtocol {@code http} or {@code grpc} (Istio's {@code request_protocol})
 * @param downstreamProtocol {@code HTTP/1.1} or {@code HTTP/2}
 * @param status the response status sent downstream (0 when none was sent)
 * @param flags Envoy response flags, comma separated, or {@code -}
 * @param grpcStatus the gRPC status code sent downstream, or null when not gRPC
 * @param detail a short reason, e.g. {@code via_upstream}, {@code route_not_found}
 * @param requestBytes request body bytes received
 * @param responseBytes response body bytes sent
 * @param attempts upstream attempts made
 * @param source who sent it
 * @param destinationService the bound service's host name
 * @param destinationNamespace the bound service's namespace
 * @param destinationWorkload the workload behind the endpoint that answered (all {@code unknown}
 *     when no endpoint answered or the control plane did not describe it)
 * @param destinationPrincipal the identity of the endpoint that answered, or null
 * @param upstreamHost the endpoint address that answered, or null
 * @param upstreamCluster the cluster, or null
 * @param route the matched route's name, or null
 * @param traceparent the W3C traceparent passed through, or null
 * @param requestId {@code x-request-id}, or null
 * @param userAgent {@code user-agent}, or null
 */
public record RequestRecord(long startEpochMillis, long durationNanos, String method, String path, String authority,
        String requestProtocol, String downstreamProtocol, int status, String flags, @Nullable Integer grpcStatus,
        String detail, long requestBytes, long responseBytes, int attempts, Peer source, String destinationService,
        String destinationNamespace, Workload destinationWorkload, @Nullable String destinationPrincipal, @Nullable String upstreamHost,
        @Nullable String upstreamCluster, @Nullable String route, @Nullable String traceparent,
        @Nullable String requestId, @Nullable String userAgent) {

    /**
     * The source workload of a request.
     *
     * @param principal its SPIFFE id (from the HBONE client certificate), or null
     * @param namespace its namespace
     * @param workload its workload name (from baggage), or {@code unknown}
     * @param address the original client address ({@code forwarded: for=}), or the HBONE peer
     */
    public record Peer(@Nullable String principal, String namespace, String workload, String address) {}

    /**
     * A workload as Istio's {@code *_workload}, {@code *_workload_namespace}, {@code *_app} and
     * {@code *_version} labels describe it; {@code unknown} where not known.
     *
     * @param name the workload (pod) name
     * @param namespace its namespace
     * @param app its canonical service
     * @param version its canonical revision
     */
    public record Workload(String name, String namespace, String app, String version) {
        /** Nothing known. */
        public static final Workload UNKNOWN = new Workload("unknown", "unknown", "unknown", "unknown");
    }
}
