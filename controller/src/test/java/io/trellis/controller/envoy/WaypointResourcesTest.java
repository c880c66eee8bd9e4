package io.trellis.controller.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
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
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.DirectoryConfigSource;
import io.trellis.controller.xds.PeerAddress;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-waypoint scoping: node id convention, bound services only, endpoint identities, L7 policies. */
class WaypointResourcesTest {

    private static final String LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private MeshModel model() throws Exception {
        try (var files = Files.list(Path.of("examples", "demo"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("50-l7.yaml"), """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata:
                  name: no-admin
                  namespace: demo
                spec:
                  action: DENY
                  rules:
                    - to:
                        - operation:
                            paths: ["/admin*"]
                            methods: ["POST"]
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: ratings
                  namespace: demo
                spec:
                  selector:
                    app: ratings
                  clusterIP: 10.96.0.30
                  ports:
                    - name: http
                      port: 9080
                      targetPort: 9080
                """);
        return ModelBuilder.build(DirectoryConfigSource.load(dir), MeshSettings.defaults());
    }

    @Test
    void nodeIdConvention() {
        assertThat(WaypointNodes.nodeId("demo", "reviews-waypoint")).isEqualTo("waypoint~demo~reviews-waypoint");
        assertThat(WaypointNodes.waypointKey("waypoint~demo~reviews-waypoint")).isEqualTo("demo/reviews-waypoint");
        for (String other : List.of("grpc-client", "waypoint~demo", "waypoint~~x", "waypoint~a~b~c", "")) {
            assertThat(WaypointNodes.waypointKey(other)).as(other).isNull();
            assertThat(WaypointNodes.group(Node.newBuilder().setId(other).build())).isEqualTo(EnvoyXdsServer.GROUP);
        }
    }

    @Test
    void waypointGetsItsBoundServicesTheirBackendsIdentitiesAndL7Policies() throws Exception {
        MeshModel model = model();
        EnvoyResources mesh = EnvoyResources.of(model);
        EnvoyResources r = WaypointResources.of(model, mesh, model.waypoints().get("demo/reviews-waypoint"));

        assertThat(mesh.listeners()).hasSize(4);
        assertThat(r.listeners()).extracting(Listener::getName).containsExactly("reviews.demo.svc.cluster.local:9080");
        assertThat(r.routes()).extracting(rc -> rc.getName()).containsExactly("reviews.demo.svc.cluster.local:9080");
        assertThat(r.clusters()).extracting(c -> c.getName()).containsExactly(
                "outbound|9080||reviews.demo.svc.cluster.local", "outbound|9080||reviews-v1.demo.svc.cluster.local",
                "outbound|9080||reviews-v2.demo.svc.cluster.local");

        Listener l = r.listeners().getFirst();
        assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("10.96.0.20");
        assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(9080);
        Struct meta = l.getMetadata().getFilterMetadataOrThrow("trellis");
        assertThat(meta.getFieldsOrThrow("namespace").getStringValue()).isEqualTo("demo");
        assertThat(meta.getFieldsOrThrow("app_protocol").getStringValue()).isEqualTo("http");
        // the selector-scoped L4 policy stays with the node-proxies; the namespace L7 DENY comes here
        var policies = meta.getFieldsOrThrow("authorization_policies").getListValue().getValuesList();
        assertThat(policies).hasSize(1);
        Struct p = policies.getFirst().getStructValue();
        assertThat(p.getFieldsOrThrow("name").getStringValue()).isEqualTo("no-admin");
        assertThat(p.getFieldsOrThrow("action").getStringValue()).isEqualTo("DENY");
        Struct op = p.getFieldsOrThrow("rules").getListValue().getValues(0).getStructValue()
                .getFieldsOrThrow("to").getListValue().getValues(0).getStructValue();
        assertThat(op.getFieldsOrThrow("paths").getListValue().getValues(0).getStringValue()).isEqualTo("/admin*");
        assertThat(op.getFieldsOrThrow("methods").getListValue().getValues(0).getStringValue()).isEqualTo("POST");

        LbEndpoint e = r.endpoints().get(1).getEndpoints(0).getLbEndpoints(0);
        Struct endpointMeta = e.getMetadata().getFilterMetadataOrThrow("trellis");
        assertThat(endpointMeta.getFieldsOrThrow("identity").getStringValue())
                .isEqualTo("spiffe://cluster.local/ns/demo/sa/reviews");
        // per-endpoint workload labels for the waypoint's destination_* metric labels (pod reviews-v1,
        // labels app=reviews, version=v1)
        assertThat(endpointMeta.getFieldsOrThrow("workload").getStringValue()).isEqualTo("reviews-v1");
        assertThat(endpointMeta.getFieldsOrThrow("namespace").getStringValue()).isEqualTo("demo");
        assertThat(endpointMeta.getFieldsOrThrow("app").getStringValue()).isEqualTo("reviews");
        assertThat(endpointMeta.getFieldsOrThrow("version").getStringValue()).isEqualTo("v1");
        assertThat(e.getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(9080);
        // the service-wide cluster holds both versions, each endpoint with its own workload
        assertThat(r.endpoints().getFirst().getEndpoints(0).getLbEndpointsList())
                .extracting(x -> x.getMetadata().getFilterMetadataOrThrow("trellis").getFieldsOrThrow("workload")
                        .getStringValue())
                .containsExactlyInAnyOrder("reviews-v1", "reviews-v2");
    }

    @Test
    void aWaypointStreamGetsExactlyItsServices() throws Exception {
        EnvoyXdsServer envoy = new EnvoyXdsServer(new EnvoyStreamTracker(new SimpleMeterRegistry(), Clock.systemUTC()));
        envoy.publish(model());
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder b = InProcessServerBuilder.forName(name).directExecutor();
        envoy.services().forEach(s -> b.addService(ServerInterceptors.intercept(s, new PeerAddress())));
        server = b.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();

        assertThat(listeners("waypoint~demo~reviews-waypoint")).containsExactly("reviews.demo.svc.cluster.local:9080");
        assertThat(listeners("grpc-client")).hasSize(4);
    }

    private List<String> listeners(String nodeId) throws Exception {
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
        requests.onNext(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(nodeId))
                .setTypeUrl(LISTENER_TYPE).build());
        DiscoveryResponse r = Await.value("listeners for " + nodeId, WAIT, received::poll, x -> x != null);
        requests.onCompleted();
        return r.getResourcesList().stream().map(a -> {
            try {
                return a.unpack(Listener.class).getName();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).sorted().toList();
    }
}
