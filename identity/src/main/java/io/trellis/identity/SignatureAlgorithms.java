package io.trellis.identity;

import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Picks the signature algorithm that matches a signing key, and builds a Bouncy Castle signer that
 * runs on the JDK's providers (SunEC / SunRsaSign), so no global provider registration is needed.
 */
final class SignatureAlgorithms {

    private SignatureAlgorithms() {}

    /** SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521: the hash matches the key's strength. */
    static String forKey(PrivateKey key) {
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits <= 256) {
                return "SHA256withECDSA";
            }
            return bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
        }
        if (key instanceof RSAPrivateKey) {
            return "SHA256withRSA";
        }
        throw new CaConfigurationException("unsupported signing key algorithm " + key.getAlgorithm()
                + "; use an ECDSA (P-256, P-384) or RSA key");
    }

    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(forKey(key)).build(key);
        } catch (OperatorCreationException e) {
            throw new CaConfigurationException("cannot sign with the " + key.getAlgorithm() + " key: "
                    + e.getMessage(), e);
        }
    }
}
