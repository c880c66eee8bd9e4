package io.trellis.controller.ca;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.api.ca.v1.CertificateServiceGrpc;
import io.trellis.api.ca.v1.CreateCertificateRequest;
import io.trellis.api.ca.v1.CreateCertificateResponse;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.Waypoint;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.CsrRejectedException;
import io.trellis.identity.MalformedSpiffeIdException;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's CA: signs CSRs after node authorization.
 *
 * <ul>
 *   <li>A node-proxy gets identities only of service accounts that have a pod on its own node.</li>
 *   <li>A waypoint gets only its own identity.</li>
 *   <li>Everything else is denied; each denial is logged with its reason and counted in
 *       {@code trellis_ca_denials_total{reason}}. Issued certificates count in
 *       {@code trellis_ca_certificates_issued_total}.</li>
 * </ul>
 */
public final class CaService extends CertificateServiceGrpc.CertificateServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(CaService.class);

    /** Default SVID lifetime, as ARCHITECTURE.md says: renewed at half of it. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private final CertificateAuthority ca;
    private final CallerAuthenticator tokens;
    private final Supplier<MeshModel> model;
    private final Duration maxTtl;
    private final MeterRegistry registry;
    private final List<String> rootBundle;

    /**
     * @param maxTtl longest lifetime handed out; longer requests are shortened to it
     */
    public CaService(CertificateAuthority ca, CallerAuthenticator tokens, Supplier<MeshModel> model, Duration maxTtl,
                     MeterRegistry registry) {
        this.ca = ca;
        this.tokens = tokens;
        this.model = model;
        this.maxTtl = maxTtl;
        this.registry = registry;
        this.rootBundle = ca.trustBundle().roots().stream().map(c -> PemFiles.toPem(List.of(c))).toList();
    }

    /** Why a request was refused; the label value of the denial counter. */
    enum Denial {
        MISSING_TOKEN(Status.Code.UNAUTHENTICATED),
        UNKNOWN_TOKEN(Status.Code.UNAUTHENTICATED),
        MALFORMED_IDENTITY(Status.Code.INVALID_ARGUMENT),
        FOREIGN_TRUST_DOMAIN(Status.Code.PERMISSION_DENIED),
        NOT_ON_NODE(Status.Code.PERMISSION_DENIED),
        NOT_WAYPOINT_IDENTITY(Status.Code.PERMISSION_DENIED),
        MALFORMED_CSR(Status.Code.INVALID_ARGUMENT);

        final Status.Code code;

        Denial(Status.Code code) {
            this.code = code;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final class Denied extends Exception {
        private static final long serialVersionUID = 1L;
        final Denial reason;

        Denied(Denial reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    @Override
    public void createCertificate(CreateCertificateRequest request,
                                  StreamObserver<CreateCertificateResponse> responses) {
        String caller = "anonymous";
        try {
            Caller who = authenticate();
            caller = who.toString();
            SpiffeId id = requestedIdentity(request);
            authorize(who, id);
            byte[] csr = csrDer(request);
            Duration ttl = ttl(request);
            List<X509Certificate> chain;
            try {
                chain = ca.sign(csr, id, ttl);
            } catch (CsrRejectedException e) {
                throw new Denied(Denial.MALFORMED_CSR, "CSR rejected: " + e.getMessage());
            }
            Counter.builder("trellis.ca.certificates.issued").register(registry).increment();
            LOG.info("event=ca_issued caller={} id={} ttl={} not_after={}", caller, id, ttl,
                    chain.getFirst().getNotAfter().toInstant());
            responses.onNext(CreateCertificateResponse.newBuilder()
                    .addAllCertChain(chain.stream().map(c -> PemFiles.toPem(List.of(c))).toList())
                    .addAllRootBundle(rootBundle)
                    .setTrustDomain(ca.trustDomain())
                    .build());
            responses.onCompleted();
        } catch (Denied d) {
            Counter.builder("trellis.ca.denials").tag("reason", d.reason.label()).register(registry).increment();
            LOG.warn("event=ca_denied caller={} requested={} reason={} detail=\"{}\"", caller,
                    request.getRequestedIdentity(), d.reason.label(), d.getMessage());
            responses.onError(Status.fromCode(d.reason.code).withDescription(d.getMessage()).asRuntimeException());
        }
    }

    private Caller authenticate() throws Denied {
        String token = BearerToken.current();
        if (token == null || token.isEmpty()) {
            throw new Denied(Denial.MISSING_TOKEN,
                    "send the node's bootstrap token as metadata 'authorization: Bearer <token>'");
        }
        Optional<Caller> caller = tokens.authenticate(token);
        if (caller.isEmpty()) {
            throw new Denied(Denial.UNKNOWN_TOKEN, "the bootstrap token is not known to this controller");
        }
        return caller.get();
    }

    private SpiffeId requestedIdentity(CreateCertificateRequest request) throws Denied {
        SpiffeId id;
        try {
            id = SpiffeId.parse(request.getRequestedIdentity());
        } catch (MalformedSpiffeIdException e) {
            throw new Denied(Denial.MALFORMED_IDENTITY, "requested_identity: " + e.getMessage());
        }
        if (!id.trustDomain().equals(ca.trustDomain())) {
            throw new Denied(Denial.FOREIGN_TRUST_DOMAIN, "this CA issues identities of trust domain "
                    + ca.trustDomain() + ", not " + id.trustDomain());
        }
        return id;
    }

    private void authorize(Caller caller, SpiffeId id) throws Denied {
        MeshModel m = model.get();
        switch (caller) {
            case Caller.NodeProxy(String node) -> {
                if (!m.nodeRuns(node, id.namespace(), id.serviceAccount())) {
                    throw new Denied(Denial.NOT_ON_NODE, "no pod of service account " + id.namespace() + "/"
                            + id.serviceAccount() + " runs on node " + node);
                }
            }
            case Caller.Waypoint(String namespace, String name) -> {
                Waypoint wp = m.waypoints().get(namespace + "/" + name);
                if (wp == null) {
                    throw new Denied(Denial.NOT_WAYPOINT_IDENTITY, "no waypoint Gateway " + namespace + "/" + name
                            + " of class trellis-waypoint with an address is configured");
                }
                if (!wp.identity().equals(id.uri())) {
                    throw new Denied(Denial.NOT_WAYPOINT_IDENTITY, "waypoint " + namespace + "/" + name
                            + " may only obtain " + wp.identity());
                }
            }
        }
    }

    private static byte[] csrDer(CreateCertificateRequest request) throws Denied {
        return switch (request.getCsrCase()) {
            case CSR_DER -> request.getCsrDer().toByteArray();
            case CSR_PEM -> pemToDer(request.getCsrPem());
            case CSR_NOT_SET -> throw new Denied(Denial.MALFORMED_CSR, "set csr_der or csr_pem");
        };
    }

    private static byte[] pemToDer(String pem) throws Denied {
        String begin = "-----BEGIN CERTIFICATE REQUEST-----";
        String end = "-----END CERTIFICATE REQUEST-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new Denied(Denial.MALFORMED_CSR, "csr_pem has no CERTIFICATE REQUEST block");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new Denied(Denial.MALFORMED_CSR, "csr_pem is not valid base64: " + ex.getMessage());
        }
    }

    private Duration ttl(CreateCertificateRequest request) {
        if (!request.hasTtl()) {
            return DEFAULT_TTL.compareTo(maxTtl) <= 0 ? DEFAULT_TTL : maxTtl;
        }
        Duration asked = Duration.ofSeconds(request.getTtl().getSeconds(), request.getTtl().getNanos());
        if (asked.isNegative() || asked.isZero()) {
            return DEFAULT_TTL.compareTo(maxTtl) <= 0 ? DEFAULT_TTL : maxTtl;
        }
        return asked.compareTo(maxTtl) <= 0 ? asked : maxTtl;
    }
}
