package io.trellis.install.kube;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A test subscriber to the controller's workload xDS: the resource names it currently holds, per type. */
final class WorkloadWatch implements AutoCloseable {

    static final String WORKLOAD = "type.googleapis.com/trellis.workload.v1.Workload";
    static final String AUTHORIZATION = "type.googleapis.com/trellis.workload.v1.Authorization";

    private final ManagedChannel channel;
    private final Map<String, Set<String>> names = new ConcurrentHashMap<>();

    WorkloadWatch(int port, String... typeUrls) {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        for (String type : typeUrls) {
            names.put(type, ConcurrentHashMap.newKeySet());
            StreamObserver<DeltaDiscoveryRequest>[] requests = new StreamObserver[1];
            requests[0] = WorkloadDiscoveryGrpc.newStub(channel).deltaWorkloads(new StreamObserver<>() {
                @Override
                public void onNext(DeltaDiscoveryResponse r) {
                    r.getResourcesList().stream().map(Resource::getName).forEach(names.get(type)::add);
                    r.getRemovedResourcesList().forEach(names.get(type)::remove);
                    requests[0].onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type)
                            .setResponseNonce(r.getNonce()).build());
                }

                @Override
                public void onError(Throwable t) { }

                @Override
                public void onCompleted() { }
            });
            requests[0].onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type)
                    .setNode(Node.newBuilder().setId("install-test")).addResourceNamesSubscribe("*").build());
        }
    }

    Set<String> names(String type) {
        return Set.copyOf(names.get(type));
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
