package io.trellis.controller.xds;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import io.trellis.testkit.Await;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

/** A minimal node-proxy side of the delta stream: records responses, keeps versions, ACKs or NACKs on demand. */
final class TestProxy implements AutoCloseable {

    final String id;
    final LinkedBlockingQueue<DeltaDiscoveryResponse> received = new LinkedBlockingQueue<>();
    /** name -> version, as a proxy that applied every received response would hold. */
    final Map<String, String> versions = new HashMap<>();
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    volatile long bytesReceived;

    TestProxy(ManagedChannel channel, String id) {
        this.id = id;
        this.requests = WorkloadDiscoveryGrpc.newStub(channel).deltaWorkloads(new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse r) {
                bytesReceived += r.getSerializedSize();
                received.add(r);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    void subscribe(String typeUrl, Map<String, String> initialVersions) {
        versions.putAll(initialVersions);
        send(DeltaDiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(id)).setTypeUrl(typeUrl)
                .addResourceNamesSubscribe("*").putAllInitialResourceVersions(initialVersions).build());
    }

    void send(DeltaDiscoveryRequest r) {
        synchronized (requests) {
            requests.onNext(r);
        }
    }

    DeltaDiscoveryResponse next() {
        return Await.value(id + " receives a response", Duration.ofSeconds(30), received::poll, r -> r != null);
    }

    /** Applies and acknowledges a response. */
    void ack(DeltaDiscoveryResponse r) {
        for (Resource res : r.getResourcesList()) {
            versions.put(res.getName(), res.getVersion());
        }
        r.getRemovedResourcesList().forEach(versions::remove);
        send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build());
    }

    /** Rejects a response: keeps the versions it had. */
    void nack(DeltaDiscoveryResponse r, String message) {
        send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)).build());
    }

    static List<String> names(DeltaDiscoveryResponse r) {
        return r.getResourcesList().stream().map(Resource::getName).toList();
    }

    private boolean closed;

    @Override
    public void close() {
        synchronized (requests) {
            if (!closed) {
                closed = true;
                requests.onCompleted();
            }
        }
    }
}
