package io.trellis.perf.controller;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node-proxy reduced to its workload xDS stream: subscribes to every type as a wildcard, ACKs every response at
 * once, counts bytes, and notes when it acknowledged the first response naming a probed resource.
 */
final class SimulatedProxy implements StreamObserver<DeltaDiscoveryResponse> {

    private final String id;
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong resources = new AtomicLong();
    private volatile String probe = "";
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

    /** Watches for a response naming {@code resourceName}; {@link #probeAckNanos()} is 0 until one came. */
    void probe(String resourceName) {
        probeAckNanos = 0;
        probe = resourceName;
    }

    long probeAckNanos() {
        return probeAckNanos;
    }

    @Override
    public void onNext(DeltaDiscoveryResponse r) {
        bytes.addAndGet(r.getSerializedSize());
        resources.addAndGet(r.getResourcesCount() + r.getRemovedResourcesCount());
        boolean hit = probeAckNanos == 0 && names(r, probe);
        synchronized (requests) {
            requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
                    .setResponseNonce(r.getNonce()).build());
        }
        if (hit) {
            probeAckNanos = System.nanoTime();
        }
    }

    private static boolean names(DeltaDiscoveryResponse r, String name) {
        if (name.isEmpty()) {
            return false;
        }
        if (r.getRemovedResourcesList().contains(name)) {
            return true;
        }
        for (Resource res : r.getResourcesList()) {
            if (res.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onError(Throwable t) {
        // the benchmark notices through missing ACKs and times out with a message
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
