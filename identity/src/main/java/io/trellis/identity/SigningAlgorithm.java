package io.trellis.identity;

import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;

/**
 * The signature algorithm for a signing key, with its JCA name and its X.509 AlgorithmIdentifier: SHA-256 for
 * P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521, so the hash matches the key's strength.
 */
enum SigningAlgorithm {
    ECDSA_SHA256("SHA256withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.2"))),
    ECDSA_SHA384("SHA384withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.3"))),
    ECDSA_SHA512("SHA512withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.4"))),
    /** RFC 4055: the parameters of the PKCS #1 v1.5 algorithms are an explicit NULL. */
    RSA_SHA256("SHA256withRSA", Der.sequence(Der.oid("1.2.840.113549.1.1.11"), Der.NULL));

    private final String jcaName;
    private final byte[] algorithmIdentifier;

    SigningAlgorithm(String jcaName, byte[] algorithmIdentifier) {
        this.jcaName = jcaName;
        this.algorithmIdentifier = algorithmIdentifier;
    }

    /**
     * The algorithm for {@code key}.
     *
     * @throws CaConfigurationException for a key that is neither ECDSA nor RSA
     */
    static SigningAlgorithm forKey(PrivateKey key) {
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits <= 256) {
                return ECDSA_SHA256;
            }
            return bits <= 384 ? ECDSA_SHA384 : ECDSA_SHA512;
        }
        if (key instanceof RSAPrivateKey) {
            return RSA_SHA256;
        }
        throw new CaConfigurationException("unsupported signing key algorithm " + key.getAlgorithm()
                + "; use an ECDSA (P-256, P-384) or RSA key");
    }

    String jcaName() {
        return jcaName;
    }

    /** The DER AlgorithmIdentifier (a fresh copy). */
    byte[] algorithmIdentifier() {
        return algorithmIdentifier.clone();
    }
}
