package io.trellis.controller.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.model.MeshSettings;
import io.trellis.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unmodified grpc-java xDS client (grpc-xds, which nobody here wrote) resolves
 * {@code xds:///greeter.demo.svc.cluster.local:50051} through the controller's Envoy xDS and follows a
 * GRPCRoute's 80/20 split between two real gRPC servers.
 */
class GrpcXdsConformanceTest {

    private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> SAY_HELLO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("helloworld.Greeter/SayHello")
            .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();

    @TempDir
    Path dir;
    private Server v1;
    private Server v2;
    private Controller controller;
    private ManagedChannel channel;

    private static Server greeter(String version) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("helloworld.Greeter")
                .addMethod(SAY_HELLO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(version);
                    out.onCompleted();
                })).build();
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(service).build()
                .start();
    }

    @BeforeEach
    void start() throws Exception {
        v1 = greeter("v1");
        v2 = greeter("v2");
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("greeter.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: greeter, namespace: demo}
                spec:
                  selector: {app: greeter}
                  clusterIP: 10.96.1.1
                  ports: [{name: grpc, port: 50051, appProtocol: grpc}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: greeter-v1, namespace: demo}
                spec:
                  selector: {app: greeter, version: v1}
                  ports: [{name: grpc, port: 50051, targetPort: %d, appProtocol: grpc}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: greeter-v2, namespace: demo}
                spec:
                  selector: {app: greeter, version: v2}
                  ports: [{name: grpc, port: 50051, targetPort: %d, appProtocol: grpc}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: greeter-v1, namespace: demo, labels: {app: greeter, version: v1}}
                spec: {nodeName: node-a}
                status: {podIP: 127.0.0.1}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: greeter-v2, namespace: demo, labels: {app: greeter, version: v2}}
                spec: {nodeName: node-b}
                status: {podIP: 127.0.0.1}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: greeter-split, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: greeter, port: 50051}]
                  rules:
                    - matches: [{method: {service: helloworld.Greeter}}]
                      backendRefs:
                        - {name: greeter-v1, port: 50051, weight: 80}
                        - {name: greeter-v2, port: 50051, weight: 20}
                """.formatted(v1.getPort(), v2.getPort()));
        controller = new Controller(new ControllerSettings(config, false, MeshSettings.defaults(), "127.0.0.1", 0, 0, 0,
                null, null, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofSeconds(1)));
        controller.start();
        Await.until("controller ready", Duration.ofSeconds(30), controller::ready);
        System.setProperty("io.grpc.xds.bootstrapConfig", """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                                  "server_features": ["xds_v3"]}],
                 "node": {"id": "proxyless-conformance", "locality": {}}}
                """.formatted(controller.xdsPort()));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.clearProperty("io.grpc.xds.bootstrapConfig");
        controller.close();
        v1.shutdownNow();
        v2.shutdownNow();
    }

    @Test
    void weightedSplitIsFollowedByAnUnmodifiedXdsClient() {
        channel = Grpc.newChannelBuilder("xds:///greeter.demo.svc.cluster.local:50051",
                InsecureChannelCredentials.create()).build();
        Map<String, Integer> counts = new HashMap<>();
        int calls = 2_000;
        for (int i = 0; i < calls; i++) {
            String version = ClientCalls.blockingUnaryCall(channel, SAY_HELLO,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "hello");
            counts.merge(version, 1, Integer::sum);
        }

        double v1Share = counts.getOrDefault("v1", 0) / (double) calls;
        org.slf4j.LoggerFactory.getLogger(GrpcXdsConformanceTest.class)
                .info("event=conformance_split calls={} counts={} v1_share={}", calls, counts, v1Share);
        assertThat(counts.keySet()).containsExactlyInAnyOrder("v1", "v2");
        assertThat(v1Share).as("share of v1 in %s", counts).isBetween(0.75, 0.85);
    }
}
