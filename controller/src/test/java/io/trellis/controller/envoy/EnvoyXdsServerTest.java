package io.trellis.controller.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.DirectoryConfigSource;
import io.trellis.controller.xds.PeerAddress;
import io.trellis.testkit.Await;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A waypoint-like ADS client: state-of-the-world CDS, ACK and NACK visible in the status and metrics. */
class EnvoyXdsServerTest {

    private static final String CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EnvoyStreamTracker tracker = new EnvoyStreamTracker(registry, Clock.systemUTC());
    private final EnvoyXdsServer envoy = new EnvoyXdsServer(tracker);
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        envoy.publish(ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
                MeshSettings.defaults()));
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder b = InProcessServerBuilder.forName(name).directExecutor();
        envoy.services().forEach(s -> b.addService(ServerInterceptors.intercept(s, new PeerAddress())));
        server = b.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void clustersOverAdsWithAckAndNackTracked() throws Exception {
        LinkedBlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse r) {
                        received.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        Node node = Node.newBuilder().setId("grpc-client~demo").build();
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTER_TYPE).build());

        DiscoveryResponse clusters = Await.value("clusters", WAIT, received::poll, r -> r != null);
        assertThat(clusters.getResourcesList()).hasSize(3);
        assertThat(clusters.getResources(0).unpack(Cluster.class).getType()).isEqualTo(Cluster.DiscoveryType.EDS);

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTER_TYPE)
                .setVersionInfo("").setResponseNonce(clusters.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage("outlier detection not supported"))
                .build());
        ProxyStatus nacked = Await.value("NACK recorded", WAIT, () -> tracker.statuses().getFirst(),
                s -> s.getTypesCount() == 1 && s.getTypes(0).getNacksTotal() == 1);
        assertThat(nacked.getProxyId()).isEqualTo("grpc-client~demo");
        assertThat(nacked.getTypes(0).getLastNack().getMessage()).isEqualTo("outlier detection not supported");
        assertThat(nacked.getTypes(0).getAckedResources()).as("nothing accepted yet").isZero();
        assertThat(nacked.getTypes(0).getPendingResources()).as("the rejected response").isEqualTo(3);
        assertThat(nacked.getTypes(0).getLastAckedVersion()).isEmpty();
        assertThat(registry.get("trellis.xds.nacks").tag("type", "Cluster").counter().count()).isEqualTo(1);

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTER_TYPE)
                .setVersionInfo(clusters.getVersionInfo()).setResponseNonce(clusters.getNonce()).build());
        ProxyStatus acked = Await.value("ACK recorded", WAIT, () -> tracker.statuses().getFirst(),
                s -> !s.getTypes(0).hasLastNack());
        assertThat(acked.getTypes(0).getLastAckedNonce()).isEqualTo(clusters.getNonce());
        // what trellisctl proxy-status shows for a waypoint: the ACKed version and how many resources it holds
        assertThat(acked.getTypes(0).getAckedResources()).isEqualTo(3);
        assertThat(acked.getTypes(0).getLastAckedVersion()).isEqualTo(clusters.getVersionInfo()).isNotEmpty();
        assertThat(registry.get("trellis.xds.envoy.connected.proxies").gauge().value()).isEqualTo(1);

        requests.onCompleted();
        Await.until("stream closed", WAIT, () -> tracker.statuses().isEmpty());
    }

    @Test
    void unchangedModelKeepsTheSnapshot() {
        EnvoyResources before = envoy.current();
        envoy.publish(ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
                MeshSettings.defaults()));

        assertThat(envoy.current()).isSameAs(before);
    }
}
