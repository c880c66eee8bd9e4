package io.trellis.proxy.core.ca;

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
 * {@code trellis.ca.v1.CertificateService/CreateCertificate}: a fresh P-256 key per certificate, the caller's
 * bootstrap token as {@code authorization: Bearer <token>}, and the answer verified (chain to the returned roots,
 * URI SAN, our own key) before it is handed out. Which identities a token may obtain is the controller's
 * decision: a node token those with a pod on its node, a waypoint token only the waypoint's own.
 */
public final class ControllerCaClient {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Channel channel;
    private final Supplier<String> bootstrapToken;
    private final Duration ttl;
    private final Duration deadline;
    private final Clock clock;

    /**
     * @param bootstrapToken read per request, so a rotated token file takes effect without a restart
     * @param ttl the lifetime asked for (the controller caps it)
     * @param deadline how long one request may take
     */
    public ControllerCaClient(Channel channel, Supplier<String> bootstrapToken, Duration ttl, Duration deadline,
            Clock clock) {
        this.channel = channel;
        this.bootstrapToken = bootstrapToken;
        this.ttl = ttl;
        this.deadline = deadline;
        this.clock = clock;
    }

    /** A new certificate for {@code id}, or a future failed with a {@link CaRequestException} saying why. */
    public CompletableFuture<WorkloadCertificate> fetch(SpiffeId id) {
        CompletableFuture<WorkloadCertificate> result = new CompletableFuture<>();
        KeyPair keys = KeyPairs.ecP256();
        Metadata md = new Metadata();
        md.put(AUTHORIZATION, "Bearer " + bootstrapToken.get().strip());
        CreateCertificateRequest request = CreateCertificateRequest.newBuilder()
                .setCsrDer(ByteString.copyFrom(Csrs.create(id, keys)))
                .setRequestedIdentity(id.uri())
                .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(ttl.toSeconds()))
                .build();
        CertificateServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .createCertificate(request, new StreamObserver<>() {
                    @Override
                    public void onNext(CreateCertificateResponse response) {
                        try {
                            result.complete(certificate(id, keys, response));
                        } catch (CaRequestException e) {
                            result.completeExceptionally(e);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        result.completeExceptionally(new CaRequestException("CA refused or failed to issue " + id
                                + ": " + s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription()
                                + ")") + hint(s.getCode()), null));
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new CaRequestException(
                                "CA answered without a certificate for " + id, null));
                    }
                });
        return result;
    }

    private static String hint(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ": is the controller reachable? the current certificate stays";
            case UNAUTHENTICATED -> ": check the bootstrap token ('node <node> <token>' or"
                    + " 'waypoint <namespace>/<gateway> <token>' in the controller's token file)";
            case PERMISSION_DENIED -> ": a node-proxy may only obtain service accounts with a pod on its node,"
                    + " a waypoint only its own identity";
            default -> "";
        };
    }

    private WorkloadCertificate certificate(SpiffeId id, KeyPair keys, CreateCertificateResponse r) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (String pem : r.getCertChainList()) {
                chain.addAll(PemFiles.parseCertificates(pem, "cert_chain"));
            }
            List<X509Certificate> roots = new ArrayList<>();
            for (String pem : r.getRootBundleList()) {
                roots.addAll(PemFiles.parseCertificates(pem, "root_bundle"));
            }
            if (chain.isEmpty() || roots.isEmpty()) {
                throw new CaRequestException("CA answer for " + id + " lacks "
                        + (chain.isEmpty() ? "cert_chain" : "root_bundle"), null);
            }
            if (!Arrays.equals(chain.getFirst().getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
                throw new CaRequestException("CA certified another key than the one sent for " + id, null);
            }
            TrustBundle bundle = new TrustBundle(r.getTrustDomain(), roots);
            new SvidVerifier(bundle, clock).verify(chain, id);
            return new WorkloadCertificate(id, keys.getPrivate(), chain, bundle);
        } catch (IdentityException | IllegalArgumentException e) {
            throw new CaRequestException("CA answer for " + id + " is unusable: " + e.getMessage(), e);
        }
    }
}
