package io.trellis.controller.xds;

import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ListProxiesResponse;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;

/** The status API {@code trellisctl proxy-status} reads: every connected proxy's ACK/NACK state. */
public final class ProxyStatusServiceImpl extends ProxyStatusServiceGrpc.ProxyStatusServiceImplBase {

    private final WorkloadXdsServer server;

    public ProxyStatusServiceImpl(WorkloadXdsServer server) {
        this.server = server;
    }

    @Override
    public void listProxies(ListProxiesRequest request, StreamObserver<ListProxiesResponse> responses) {
        responses.onNext(ListProxiesResponse.newBuilder().addAllProxies(server.statuses()).build());
        responses.onCompleted();
    }
}
