package io.trellis.controller.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.ca.v1.CertificateServiceGrpc;
import io.trellis.api.ca.v1.CreateCertificateRequest;
import io.trellis.api.ca.v1.CreateCertificateResponse;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.DirectoryConfigSource;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.Csrs;
import io.trellis.identity.KeyPairs;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.TrustBundle;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CaServiceTest {

    private static final String NODE_A = "token-for-node-a-0123456789";
    private static final String NODE_B = "token-for-node-b-0123456789";
    private static final String WAYPOINT = "token-for-reviews-waypoint-0123";
    private static final MeshModel DEMO = ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
            MeshSettings.defaults());

    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365),
            Clock.systemUTC());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.of(Map.of(
                NODE_A, new Caller.NodeProxy("node-a"),
                NODE_B, new Caller.NodeProxy("node-b"),
                WAYPOINT, new Caller.Waypoint("demo", "reviews-waypoint")));
        CaService service = new CaService(ca, tokens, () -> DEMO, Duration.ofHours(48), registry);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new BearerToken())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private CreateCertificateResponse call(@Nullable String token, CreateCertificateRequest request) {
        Metadata md = new Metadata();
        if (token != null) {
            md.put(BearerToken.AUTHORIZATION, "Bearer " + token);
        }
        return CertificateServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).createCertificate(request);
    }

    private static CreateCertificateRequest request(String identity) {
        SpiffeId id = SpiffeId.parse(identity);
        KeyPair keys = KeyPairs.ecP256();
        return CreateCertificateRequest.newBuilder().setCsrDer(ByteString.copyFrom(Csrs.create(id, keys)))
                .setRequestedIdentity(identity).build();
    }

    private static List<X509Certificate> chain(CreateCertificateResponse r) {
        return r.getCertChainList().stream().flatMap(p -> PemFiles.parseCertificates(p, "response").stream())
                .toList();
    }

    private double denials(String reason) {
        var c = registry.find("trellis.ca.denials").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void nodeGetsCertificateForServiceAccountOnItsNode() {
        CreateCertificateResponse r = call(NODE_A, request("spiffe://cluster.local/ns/demo/sa/client"));

        List<X509Certificate> chain = chain(r);
        List<X509Certificate> roots = r.getRootBundleList().stream()
                .flatMap(p -> PemFiles.parseCertificates(p, "bundle").stream()).toList();
        SpiffeId verified = new SvidVerifier(new TrustBundle(r.getTrustDomain(), roots), Clock.systemUTC())
                .verify(chain);
        assertThat(verified.uri()).isEqualTo("spiffe://cluster.local/ns/demo/sa/client");
        Duration validity = Duration.between(chain.getFirst().getNotBefore().toInstant(),
                chain.getFirst().getNotAfter().toInstant());
        assertThat(validity).isBetween(Duration.ofHours(24), Duration.ofHours(24).plusMinutes(10));
        assertThat(registry.get("trellis.ca.certificates.issued").counter().count()).isEqualTo(1);
    }

    @Test
    void pemCsrAndCappedTtl() {
        CreateCertificateRequest der = request("spiffe://cluster.local/ns/demo/sa/reviews");
        String pem = "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder().encodeToString(der.getCsrDer().toByteArray())
                + "\n-----END CERTIFICATE REQUEST-----\n";
        CreateCertificateRequest req = der.toBuilder().setCsrPem(pem)
                .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(Duration.ofDays(30).toSeconds()))
                .build();

        X509Certificate leaf = chain(call(NODE_B, req)).getFirst();

        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isLessThanOrEqualTo(Duration.ofHours(48).plusMinutes(10));
    }

    @Test
    void deniedForAnotherNodesServiceAccount() {
        // reviews-waypoint only runs on node-b
        assertDenied(NODE_A, request("spiffe://cluster.local/ns/demo/sa/reviews-waypoint"),
                Status.Code.PERMISSION_DENIED, "not_on_node", "node-a");
    }

    @Test
    void deniedForUnknownOrMissingToken() {
        assertDenied("not-a-known-token-at-all", request("spiffe://cluster.local/ns/demo/sa/client"),
                Status.Code.UNAUTHENTICATED, "unknown_token", "not known");
        assertDenied(null, request("spiffe://cluster.local/ns/demo/sa/client"),
                Status.Code.UNAUTHENTICATED, "missing_token", "Bearer");
    }

    @Test
    void deniedForMalformedCsr() {
        CreateCertificateRequest garbage = request("spiffe://cluster.local/ns/demo/sa/client").toBuilder()
                .setCsrDer(ByteString.copyFromUtf8("this is not DER")).build();
        assertDenied(NODE_A, garbage, Status.Code.INVALID_ARGUMENT, "malformed_csr", "CSR rejected");

        CreateCertificateRequest badPem = garbage.toBuilder().setCsrPem("hello").build();
        assertDenied(NODE_A, badPem, Status.Code.INVALID_ARGUMENT, "malformed_csr", "CERTIFICATE REQUEST");
    }

    @Test
    void deniedWhenTheCsrNamesAnotherIdentity() {
        CreateCertificateRequest forReviews = request("spiffe://cluster.local/ns/demo/sa/reviews");
        CreateCertificateRequest swapped = forReviews.toBuilder()
                .setRequestedIdentity("spiffe://cluster.local/ns/demo/sa/client").build();

        assertDenied(NODE_A, swapped, Status.Code.INVALID_ARGUMENT, "malformed_csr", "CSR rejected");
    }

    @Test
    void deniedForForeignTrustDomain() {
        assertDenied(NODE_A, request("spiffe://evil.example/ns/demo/sa/client"), Status.Code.PERMISSION_DENIED,
                "foreign_trust_domain", "evil.example");
    }

    @Test
    void deniedForMalformedIdentity() {
        CreateCertificateRequest r = request("spiffe://cluster.local/ns/demo/sa/client").toBuilder()
                .setRequestedIdentity("https://cluster.local/x").build();
        assertDenied(NODE_A, r, Status.Code.INVALID_ARGUMENT, "malformed_identity", "requested_identity");
    }

    @Test
    void waypointGetsOnlyItsOwnIdentity() {
        assertThat(chain(call(WAYPOINT, request("spiffe://cluster.local/ns/demo/sa/reviews-waypoint")))).isNotEmpty();

        // reviews has a pod on node-b, where the waypoint runs, but the waypoint is not a node-proxy
        assertDenied(WAYPOINT, request("spiffe://cluster.local/ns/demo/sa/reviews"), Status.Code.PERMISSION_DENIED,
                "not_waypoint_identity", "may only obtain spiffe://cluster.local/ns/demo/sa/reviews-waypoint");
    }

    private void assertDenied(@Nullable String token, CreateCertificateRequest request, Status.Code code,
                              String reason, String messagePart) {
        double before = denials(reason);
        assertThatThrownBy(() -> call(token, request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).contains(messagePart);
                });
        assertThat(denials(reason)).isEqualTo(before + 1);
    }
}
