package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.lb.EndpointMetadata;
import io.trellis.waypoint.telemetry.RequestRecord;
import java.util.EnumSet;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** Collects what one exchange did, for its {@link RequestRecord}. Owned by the exchange's loop. */
final class ExchangeRecord {

    private final Downstream down;
    private final HttpRequest head;
    private final boolean grpc;
    private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
    private @Nullable ServiceBinding service;
    private @Nullable String route;
    private @Nullable Integer grpcStatus;
    private @Nullable String upstreamHost;
    private @Nullable String destinationPrincipal;
    private EndpointMetadata destinationWorkload = EndpointMetadata.NONE;
    @Nullable String cluster;
    int status;
    String detail = "via_upstream";
    long requestBytes;
    long responseBytes;
    int attempts;

    ExchangeRecord(Downstream down, HttpRequest head, boolean grpc) {
        this.down = down;
        this.head = head;
        this.grpc = grpc;
    }

    void service(ServiceBinding s) {
        service = s;
    }

    ServiceBinding service() {
        if (service == null) {
            throw new IllegalStateException("no service bound yet");
        }
        return service;
    }

    void route(@Nullable String name) {
        route = name;
    }

    void flag(ResponseFlag f) {
        flags.add(f);
    }

    void grpcStatus(@Nullable Integer s) {
        grpcStatus = s;
    }

    /** The attempt whose response goes downstream: its endpoint, verified identity and workload labels. */
    void upstream(UpstreamAttempt a) {
        upstreamHost = a.endpoint.address();
        SpiffeId identity = a.identity();
        destinationPrincipal = identity == null ? null : a.identityUri();
        destinationWorkload = a.endpoint.metadata();
    }

    RequestRecord build(long startMillis, long durationNanos) {
        ConnectionInfo conn = down.connection();
        String flagText = "-";
        if (!flags.isEmpty()) {
            StringJoiner j = new StringJoiner(",");
            flags.forEach(f -> j.add(f.code()));
            flagText = j.toString();
        }
        RequestRecord.Peer source = conn.source();
        String serviceName = service == null ? "unknown" : service.hostname();
        String serviceNamespace = service == null ? "unknown" : service.namespace();
        return new RequestRecord(startMillis, durationNanos, head.method().name(), head.uri(),
                head.headers().get(HttpHeaderNames.HOST, ""), grpc ? "grpc" : "http", down.protocol(), status, flagText,
                grpc ? grpcStatus : null, detail, requestBytes, responseBytes, attempts, source, serviceName,
                serviceNamespace, new RequestRecord.Workload(destinationWorkload.workload(),
                        destinationWorkload.namespace(), destinationWorkload.app(), destinationWorkload.version()),
                destinationPrincipal, upstreamHost, cluster, route, head.headers().get("traceparent"),
                head.headers().get("x-request-id"), head.headers().get(HttpHeaderNames.USER_AGENT));
    }
}
