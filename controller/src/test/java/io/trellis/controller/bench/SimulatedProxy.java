package io.trellis.controller.bench;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A node-proxy reduced to its xDS stream: subscribes to every type, ACKs every response at once, counts bytes,
 * and notes when it acknowledged the first response that satisfies a probe.
 */
final class SimulatedProxy implements StreamObserver<DeltaDiscoveryResponse> {

    private final String id;
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong responses = new AtomicLong();
    final AtomicLong resources = new AtomicLong();
    private volatile Predicate<DeltaDiscoveryResponse> probe = r -> false;
    private volatile long probeAckNanos;

    SimulatedProxy(ManagedChannel channel, String id) {
        this.id = id;
        this.requests = WorkloadDiscoveryGrpc.newStub(channel).deltaWorkloads(this);
    }

    void subscribe(List<String> typeUrls) {
        synchronized (requests) {
            for (String t : typeUrls) {
                requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(id))
                        .setTypeUrl(t).addResourceNamesSubscribe("*").build());
            }
        }
    }

    /** Starts watching for a response matching {@code p}; {@link #probeAckNanos()} is 0 until one came. */
    void probe(Predicate<DeltaDiscoveryResponse> p) {
        probeAckNanos = 0;
        probe = p;
    }

    long probeAckNanos() {
        return probeAckNanos;
    }

    @Override
    public void onNext(DeltaDiscoveryResponse r) {
        bytes.addAndGet(r.getSerializedSize());
        responses.incrementAndGet();
        resources.addAndGet(r.getResourcesCount() + r.getRemovedResourcesCount());
        boolean hit = probeAckNanos == 0 && probe.test(r);
        synchronized (requests) {
            requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
                    .setResponseNonce(r.getNonce()).build());
        }
        if (hit) {
            probeAckNanos = System.nanoTime();
        }
    }

    static boolean names(DeltaDiscoveryResponse r, String name) {
        return r.getRemovedResourcesList().contains(name)
                || r.getResourcesList().stream().map(Resource::getName).anyMatch(name::equals);
    }

    @Override
    public void onError(Throwable t) {
    }

    @Override
    public void onCompleted() {
    }

    void close() {
        synchronized (requests) {
            requests.onCompleted();
        }
    }
}
