package io.trellis.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.List;

/**
 * Builds PKCS#10 certificate signing requests (RFC 2986) for a SPIFFE id, as a workload asks the CA, and moves them
 * in and out of PEM. Written with the JDK alone (see {@link Pem} for why).
 */
public final class Csrs {

    private static final String PEM_LABEL = "CERTIFICATE REQUEST";
    /** PKCS #9 extensionRequest. */
    private static final byte[] EXTENSION_REQUEST = Der.oid("1.2.840.113549.1.9.14");
    /** id-ce-subjectAltName. */
    private static final byte[] SUBJECT_ALT_NAME = Der.oid("2.5.29.17");
    /** GeneralName's uniformResourceIdentifier choice. */
    private static final int GENERAL_NAME_URI = 6;

    private Csrs() {}

    /**
     * A DER-encoded PKCS#10 CSR with an empty subject and the id as its only (URI) subject
     * alternative name, signed with {@code keyPair}'s private key.
     *
     * @throws CaConfigurationException when the key cannot sign (an algorithm other than ECDSA or RSA)
     */
    public static byte[] create(SpiffeId id, KeyPair keyPair) {
        byte[] generalNames = Der.sequence(Der.contextIa5(GENERAL_NAME_URI, id.uri()));
        // Critical because the subject is empty (RFC 5280 4.2.1.6), same as in the issued SVID.
        byte[] extensions = Der.sequence(Der.sequence(SUBJECT_ALT_NAME, Der.TRUE, Der.octetString(generalNames)));
        byte[] info = Der.sequence(
                Der.INTEGER_ZERO,
                Der.sequence(), // empty subject Name
                keyPair.getPublic().getEncoded(), // X.509 SubjectPublicKeyInfo
                Der.contextConstructed(0, Der.sequence(EXTENSION_REQUEST, Der.set(extensions))));
        SigningAlgorithm algorithm = SigningAlgorithm.forKey(keyPair.getPrivate());
        byte[] signature;
        try {
            Signature signer = Signature.getInstance(algorithm.jcaName());
            signer.initSign(keyPair.getPrivate());
            signer.update(info);
            signature = signer.sign();
        } catch (GeneralSecurityException e) {
            throw new CaConfigurationException("cannot sign the CSR for " + id + " with the "
                    + keyPair.getPrivate().getAlgorithm() + " key: " + e.getMessage(), e);
        }
        return Der.sequence(info, algorithm.algorithmIdentifier(), Der.bitString(signature));
    }

    /** The CSR as PEM text ("CERTIFICATE REQUEST"), as the CA service's {@code csr_pem} carries it. */
    public static String toPem(byte[] csrDer) {
        return Pem.encode(PEM_LABEL, csrDer);
    }

    /**
     * The DER bytes of a PEM CSR ("CERTIFICATE REQUEST" or the older "NEW CERTIFICATE REQUEST").
     * The text is untrusted: anything else is a {@link CsrRejectedException}.
     */
    public static byte[] fromPem(String pem) {
        if (pem.length() > 2 * CsrValidator.MAX_CSR_BYTES) {
            throw new CsrRejectedException("the PEM CSR is " + pem.length() + " characters; the limit is "
                    + 2 * CsrValidator.MAX_CSR_BYTES);
        }
        List<Pem.Block> blocks;
        try {
            blocks = Pem.decode(pem);
        } catch (Pem.PemException e) {
            throw new CsrRejectedException("the CSR is not valid PEM: " + e.getMessage(), e);
        }
        if (blocks.isEmpty()) {
            throw new CsrRejectedException("no PEM block found in the CSR text");
        }
        Pem.Block block = blocks.getFirst();
        if (!block.label().equals(PEM_LABEL) && !block.label().equals("NEW " + PEM_LABEL)) {
            throw new CsrRejectedException("expected a PEM " + PEM_LABEL + " but found " + block.label());
        }
        return block.der();
    }
}
