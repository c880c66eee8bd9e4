package io.trellis.identity;

import java.security.PrivateKey;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds a Bouncy Castle signer for a signing key, with the algorithm {@link SigningAlgorithm} picks, that runs on
 * the JDK's providers (SunEC / SunRsaSign), so no global provider registration is needed.
 */
final class SignatureAlgorithms {

    private SignatureAlgorithms() {}

    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(SigningAlgorithm.forKey(key).jcaName()).build(key);
        } catch (OperatorCreationException e) {
            throw new CaConfigurationException("cannot sign with the " + key.getAlgorithm() + " key: "
                    + e.getMessage(), e);
        }
    }
}
