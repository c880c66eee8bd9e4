package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Coverage-guided fuzzing of the CA's CSR handling: whatever bytes a requester sends, {@link
 * CertificateAuthority#sign} either issues a certificate for exactly the requested identity or throws
 * {@link CsrRejectedException}. Any other exception is a finding. In the normal test run the seeds under
 * {@code CsrFuzzTestInputs/signsOrRejects/} (valid P-256/P-384/RSA CSRs, a foreign SAN, two SANs, a
 * bad signature) replay; {@code -Pfuzz} mutates them for the time below.
 */
class CsrFuzzTest {

    private static final SpiffeId REQUESTED = SpiffeId.of("cluster.local", "default", "web");
    private static final CertificateAuthority CA =
            CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), Clock.systemUTC());

    @FuzzTest(maxDuration = "30s")
    void signsOrRejects(byte[] csr) throws java.security.cert.CertificateParsingException {
        List<X509Certificate> chain;
        try {
            chain = CA.sign(csr, REQUESTED, Duration.ofHours(1));
        } catch (CsrRejectedException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(SpiffeId.parse(chain.getFirst().getSubjectAlternativeNames().iterator().next().get(1).toString()))
                .isEqualTo(REQUESTED);
    }
}
