package io.trellis.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.trellis.api.ca.v1.CertificateServiceGrpc;
import io.trellis.api.ca.v1.CreateCertificateRequest;
import io.trellis.api.ca.v1.CreateCertificateResponse;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import io.trellis.controller.ca.BearerToken;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.xds.TypeUrls;
import io.trellis.identity.Csrs;
import io.trellis.identity.KeyPairs;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.TrustBundle;
import io.trellis.testkit.Await;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole controller on loopback: YAML dir in, workload xDS and certificates out, metrics and health. */
class ControllerTest {

    private static final String NODE_A_TOKEN = "node-a-bootstrap-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private Controller controller;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        try (Stream<Path> files = Files.list(Path.of("examples", "demo"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve(f.getFileName()));
            }
        }
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "node node-a " + NODE_A_TOKEN + "\n");
        controller = new Controller(new ControllerSettings(config, false, MeshSettings.defaults(), "127.0.0.1", 0, 0, 0,
                null, tokens, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofSeconds(1)));
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        controller.close();
    }

    private ManagedChannel plaintext() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", controller.xdsPort()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    @Test
    void servesWorkloadsAndFollowsTheDirectory() throws Exception {
        LinkedBlockingQueue<DeltaDiscoveryResponse> received = new LinkedBlockingQueue<>();
        StreamObserver<DeltaDiscoveryRequest> requests = WorkloadDiscoveryGrpc.newStub(plaintext())
                .deltaWorkloads(new StreamObserver<>() {
                    @Override
                    public void onNext(DeltaDiscoveryResponse r) {
                        received.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("node-a"))
                .setTypeUrl(TypeUrls.WORKLOAD).addResourceNamesSubscribe("*").build());
        DeltaDiscoveryResponse initial = Await.value("initial workloads", WAIT, received::poll, r -> r != null);
        assertThat(initial.getResourcesList()).extracting(Resource::getName).containsExactlyInAnyOrder(
                "demo/client", "demo/reviews-v1", "demo/reviews-v2", "demo/reviews-waypoint");
        requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.WORKLOAD)
                .setResponseNonce(initial.getNonce()).build());

        Files.writeString(dir.resolve("config/50-new.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v3, namespace: demo, labels: {app: reviews, version: v3}}
                spec: {nodeName: node-b, serviceAccountName: reviews}
                status: {podIP: 10.42.2.12}
                """);
        DeltaDiscoveryResponse added = Await.value("new pod pushed", WAIT, received::poll, r -> r != null);
        assertThat(added.getResourcesList()).extracting(Resource::getName).containsExactly("demo/reviews-v3");
        requests.onCompleted();

        String metrics = get("/metrics").body();
        assertThat(metrics).contains("trellis_xds_pushes_total", "trellis_xds_push_bytes_total",
                "jvm_memory_used_bytes");
    }

    @Test
    void issuesCertificatesOverTlsToAuthorizedNodes() {
        AtomicReference<SpiffeId> serverId = new AtomicReference<>();
        ManagedChannel tls;
        try {
            tls = NettyChannelBuilder.forAddress("127.0.0.1", controller.xdsTlsPort())
                    .sslContext(GrpcSslContexts.forClient().trustManager(new SpiffeTrust(controller.roots(), serverId))
                            .build())
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new AssertionError(e);
        }
        channels.add(tls);
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews");
        Metadata md = new Metadata();
        md.put(BearerToken.AUTHORIZATION, "Bearer " + NODE_A_TOKEN);

        CreateCertificateResponse r = CertificateServiceGrpc.newBlockingStub(tls)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .createCertificate(CreateCertificateRequest.newBuilder()
                        .setCsrDer(ByteString.copyFrom(Csrs.create(id, KeyPairs.ecP256())))
                        .setRequestedIdentity(id.uri()).build());

        assertThat(r.getCertChainCount()).isGreaterThanOrEqualTo(1);
        assertThat(serverId.get().uri()).isEqualTo("spiffe://cluster.local/ns/trellis-system/sa/trellis-controller");
    }

    @Test
    void healthAndStatusEndpoints() throws Exception {
        assertThat(get("/healthz/live").statusCode()).isEqualTo(200);
        assertThat(get("/healthz/ready").statusCode()).isEqualTo(200);
        assertThat(get("/debug/proxy-status").statusCode()).isEqualTo(200);
        try (Socket s = new Socket("127.0.0.1", controller.xdsPort())) {
            assertThat(s.isConnected()).isTrue();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.monitoringPort()
                    + path)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Verifies the server SPIFFE-style (chain to the bundle, URI SAN) instead of by host name. */
    private static final class SpiffeTrust extends X509ExtendedTrustManager {
        private final SvidVerifier verifier;
        private final AtomicReference<SpiffeId> seen;

        SpiffeTrust(List<X509Certificate> roots, AtomicReference<SpiffeId> seen) {
            this.verifier = new SvidVerifier(new TrustBundle("cluster.local", roots), Clock.systemUTC());
            this.seen = seen;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            seen.set(verifier.verify(Arrays.asList(chain)));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
