package io.trellis.identity;

import java.security.PrivateKey;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Picks the signature algorithm that matches a signing key, and builds a Bouncy Castle signer that
 * runs on the JDK's providers (SunEC / SunRsaSign), so no global provider registration is needed.
 */
final class SignatureAlgorithms {

    private SignatureAlgorithms() {}

    /** The JCA name of the algorithm for {@code key} (see {@link SigningAlgorithm#forKey}). */
    static String forKey(PrivateKey key) {
        return SigningAlgorithm.forKey(key).jcaName();
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
