package io.trellis.controller.xds;

import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ListProxiesResponse;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import java.util.List;
import java.util.function.Supplier;

/** The status API {@code trellisctl proxy-status} reads: every connected proxy's ACK/NACK state. */
public final class ProxyStatusServiceImpl extends ProxyStatusServiceGrpc.ProxyStatusServiceImplBase {

    private final Supplier<List<ProxyStatus>> statuses;

    public ProxyStatusServiceImpl(WorkloadXdsServer server) {
        this(server::statuses);
    }

    /** Serves whatever {@code statuses} lists (workload and Envoy xDS streams together). */
    public ProxyStatusServiceImpl(Supplier<List<ProxyStatus>> statuses) {
        this.statuses = statuses;
    }

    @Override
    public void listProxies(ListProxiesRequest request, StreamObserver<ListProxiesResponse> responses) {
        responses.onNext(ListProxiesResponse.newBuilder().addAllProxies(statuses.get()).build());
        responses.onCompleted();
    }
}
