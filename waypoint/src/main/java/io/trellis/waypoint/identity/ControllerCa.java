package io.trellis.waypoint.identity;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.trellis.api.ca.v1.CertificateServiceGrpc;
import io.trellis.api.ca.v1.CreateCertificateRequest;
import io.trellis.api.ca.v1.CreateCertificateResponse;
import io.trellis.identity.Csrs;
import io.trellis.identity.IdentityException;
import io.trellis.identity.KeyPairs;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.TrustBundle;
import io.trellis.identity.WorkloadCertificate;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The controller's CA ({@code trellis.ca.v1.CertificateService/CreateCertificate}) for the waypoint: a fresh
 * P-256 key per certificate, the waypoint's bootstrap token as {@code authorization: Bearer <token>} (the
 * controller lets a waypoint token obtain only that waypoint's own identity), and the answer verified (chain
 * to the returned roots, URI SAN, our key) before use.
 *
 * <p>The node-proxy has the same client ({@code io.trellis.node.identity.GrpcCaClient}); both belong in
 * proxy-core once it carries the CA protos.
 */
public final class ControllerCa {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Channel channel;
    private final Supplier<String> token;
    private final Duration ttl;
    private final Duration deadline;
    private final Clock clock;

    /**
     * @param token read per request, so a rotated token file takes effect without a restart
     * @param ttl the lifetime asked for (the controller caps it)
     */
    public ControllerCa(Channel channel, Supplier<String> token, Duration ttl, Duration deadline, Clock clock) {
        this.channel = channel;
        this.token = token;
        this.ttl = ttl;
        this.deadline = deadline;
        this.clock = clock;
    }

    /** A new certificate for {@code id}, or a failed future with an {@link IllegalStateException} saying why. */
    public CompletableFuture<WorkloadCertificate> fetch(SpiffeId id) {
        CompletableFuture<WorkloadCertificate> result = new CompletableFuture<>();
        KeyPair keys = KeyPairs.ecP256();
        Metadata md = new Metadata();
        md.put(AUTHORIZATION, "Bearer " + token.get().strip());
        CreateCertificateRequest request = CreateCertificateRequest.newBuilder()
                .setCsrDer(ByteString.copyFrom(Csrs.create(id, keys)))
                .setRequestedIdentity(id.uri())
                .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(ttl.toSeconds()))
                .build();
        CertificateServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .createCertificate(request, new StreamObserver<>() {
                    @Override
                    public void onNext(CreateCertificateResponse response) {
                        try {
                            result.complete(certificate(id, keys, response));
                        } catch (IdentityException | IllegalArgumentException e) {
                            result.completeExceptionally(new IllegalStateException(
                                    "CA answer for " + id + " is unusable: " + e.getMessage(), e));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        result.completeExceptionally(new IllegalStateException("CA refused or failed to issue " + id
                                + ": " + s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")")
                                + hint(s.getCode())));
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new IllegalStateException("CA answered without a certificate"));
                    }
                });
        return result;
    }

    private static String hint(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ": is the controller reachable?";
            case UNAUTHENTICATED -> ": check the waypoint's bootstrap token ('waypoint <ns>/<gateway> <token>' line)";
            case PERMISSION_DENIED -> ": a waypoint may only ask for its own identity (its pods' service account)";
            default -> "";
        };
    }

    private WorkloadCertificate certificate(SpiffeId id, KeyPair keys, CreateCertificateResponse r) {
        List<X509Certificate> chain = new ArrayList<>();
        for (String pem : r.getCertChainList()) {
            chain.addAll(PemFiles.parseCertificates(pem, "cert_chain"));
        }
        List<X509Certificate> roots = new ArrayList<>();
        for (String pem : r.getRootBundleList()) {
            roots.addAll(PemFiles.parseCertificates(pem, "root_bundle"));
        }
        if (chain.isEmpty() || roots.isEmpty()) {
            throw new IllegalArgumentException("the answer lacks " + (chain.isEmpty() ? "cert_chain" : "root_bundle"));
        }
        if (!Arrays.equals(chain.getFirst().getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
            throw new IllegalArgumentException("the CA certified another key than the one sent");
        }
        TrustBundle bundle = new TrustBundle(r.getTrustDomain(), roots);
        new SvidVerifier(bundle, clock).verify(chain, id);
        return new WorkloadCertificate(id, keys.getPrivate(), chain, bundle);
    }
}
