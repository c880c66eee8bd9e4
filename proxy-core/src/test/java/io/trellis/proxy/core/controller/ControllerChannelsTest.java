package io.trellis.proxy.core.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ListProxiesResponse;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.TrustBundle;
import io.trellis.identity.WorkloadCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gRPC server on loopback with a controller certificate (URI SAN only, no host name) under a mesh root: the
 * channel reaches it over TLS when root and SPIFFE id match, and refuses it, with a reason naming the expected id,
 * when the id, the root or the time is wrong; plaintext reaches a plaintext server; bad options name the option.
 */
class ControllerChannelsTest {

    private static final String DOMAIN = "cluster.local";
    private static final SpiffeId CONTROLLER = ControllerChannels.defaultIdentity(DOMAIN);
    private static final SpiffeId IMPOSTOR = SpiffeId.parse("spiffe://cluster.local/ns/trellis-system/sa/impostor");

    @TempDir
    Path dir;
    private final CertificateAuthority ca = CertificateAuthority.selfSigned(DOMAIN, Duration.ofDays(1),
            Clock.systemUTC());
    private final List<ManagedChannel> channels = new ArrayList<>();
    private @Nullable Server tlsServer;
    private @Nullable Server plainServer;

    @BeforeEach
    void start() throws Exception {
        WorkloadCertificate cert = ca.issue(CONTROLLER, Duration.ofHours(1));
        tlsServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(cert.privateKey(),
                        cert.chain().toArray(new X509Certificate[0]))).build())
                .addService(new NamedStatus("over-tls")).build().start();
        plainServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new NamedStatus("in-clear")).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        for (Server s : new Server[] {tlsServer, plainServer}) {
            if (s != null) {
                s.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void tlsFromTheCommandLineOptionsReachesTheControllerByItsSpiffeId() throws Exception {
        ManagedChannel channel = keep(ControllerChannels.fromOptions("127.0.0.1:" + tlsServer.getPort(), rootPem(),
                null, DOMAIN, Clock.systemUTC()));
        assertThat(call(channel)).isEqualTo("over-tls");
        // The certificate names no host; "localhost" is not checked against it either.
        ManagedChannel byName = keep(ControllerChannels.open("localhost:" + tlsServer.getPort(), rootPem(), CONTROLLER,
                DOMAIN, Clock.systemUTC()));
        assertThat(call(byName)).isEqualTo("over-tls");
    }

    @Test
    void plaintextWithoutARootCertificate() throws Exception {
        ManagedChannel channel = keep(ControllerChannels.fromOptions("127.0.0.1:" + plainServer.getPort(), null,
                null, DOMAIN, Clock.systemUTC()));
        assertThat(call(channel)).isEqualTo("in-clear");
        assertThat(call(keep(ControllerChannels.plaintext("127.0.0.1", plainServer.getPort())))).isEqualTo("in-clear");
    }

    @Test
    void anotherIdentityRootOrTimeIsRefusedWithAReasonNamingTheExpectedId() throws Exception {
        int port = tlsServer.getPort();
        TrustBundle bundle = ca.trustBundle();
        TrustBundle otherRoot = CertificateAuthority.selfSigned(DOMAIN, Duration.ofDays(1), Clock.systemUTC())
                .trustBundle();
        Clock nextWeek = Clock.fixed(Instant.now().plus(Duration.ofDays(7)), ZoneOffset.UTC);
        ManagedChannel wrongId = keep(ControllerChannels.tls("127.0.0.1", port, bundle, IMPOSTOR, Clock.systemUTC()));
        ManagedChannel wrongRoot = keep(ControllerChannels.tls("127.0.0.1", port, otherRoot, CONTROLLER,
                Clock.systemUTC()));
        ManagedChannel expired = keep(ControllerChannels.tls("127.0.0.1", port, bundle, CONTROLLER, nextWeek));
        for (ManagedChannel channel : List.of(wrongId, wrongRoot, expired)) {
            Throwable refused = catchThrowable(() -> call(channel));
            assertThat(refused).isInstanceOf(StatusRuntimeException.class);
            assertThat(((StatusRuntimeException) refused).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(causes(refused)).as("the reason the handshake failed")
                    .contains("the controller's certificate is not")
                    .contains("--controller-identity and --controller-root-cert");
        }
        assertThat(causes(catchThrowable(() -> call(wrongId)))).contains(IMPOSTOR.toString());
        assertThat(causes(catchThrowable(() -> call(wrongRoot)))).contains(CONTROLLER.toString());
    }

    @Test
    void badOptionsNameTheOption() throws Exception {
        Clock clock = Clock.systemUTC();
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller", null, null, DOMAIN, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--controller 'controller' must be host:port");
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller:http", null, null, DOMAIN, clock))
                .hasMessageContaining("the port is not a number");
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller:70000", null, null, DOMAIN, clock))
                .hasMessageContaining("1..65535");
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller:15012", null,
                "spiffe://other.domain/ns/trellis-system/sa/trellis-controller", DOMAIN, clock))
                .hasMessageContaining("--controller-identity").hasMessageContaining("not in trust domain cluster.local");
        assertThatThrownBy(() -> ControllerChannels.identity("not-a-spiffe-id", DOMAIN))
                .hasMessageContaining("--controller-identity 'not-a-spiffe-id'");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller:15012", empty, null, DOMAIN, clock))
                .hasMessageContaining("--controller-root-cert").hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> ControllerChannels.fromOptions("controller:15012", dir.resolve("missing.pem"), null,
                DOMAIN, clock)).hasMessageContaining("--controller-root-cert");
        assertThat(ControllerChannels.identity(null, "example.org").toString())
                .isEqualTo("spiffe://example.org/ns/trellis-system/sa/trellis-controller");
    }

    private Path rootPem() {
        Path pem = dir.resolve("root-cert.pem");
        PemFiles.writeCertificates(pem, ca.trustBundle().roots());
        return pem;
    }

    private ManagedChannel keep(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    /** The name the server answers with (its only proxy's id). */
    private static String call(ManagedChannel channel) {
        return ProxyStatusServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listProxies(ListProxiesRequest.getDefaultInstance()).getProxies(0).getProxyId();
    }

    /** Every message in the exception's cause chain, joined. */
    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" | ");
        }
        return sb.toString();
    }

    /** Answers every call with one proxy named after the server, so a test sees which server it reached. */
    private static final class NamedStatus extends ProxyStatusServiceGrpc.ProxyStatusServiceImplBase {
        private final String name;

        NamedStatus(String name) {
            this.name = name;
        }

        @Override
        public void listProxies(ListProxiesRequest request, StreamObserver<ListProxiesResponse> response) {
            response.onNext(ListProxiesResponse.newBuilder()
                    .addProxies(ProxyStatus.newBuilder().setProxyId(name)).build());
            response.onCompleted();
        }
    }
}
