package io.trellis.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Builds PKCS#10 certificate signing requests for a SPIFFE id, as a workload asks the CA. */
public final class Csrs {

    private Csrs() {}

    /**
     * A DER-encoded PKCS#10 CSR with an empty subject and the id as its only (URI) subject
     * alternative name, signed with {@code keyPair}'s private key.
     */
    public static byte[] create(SpiffeId id, KeyPair keyPair) {
        try {
            GeneralNames san = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri()));
            // Critical because the subject is empty (RFC 5280 4.2.1.6), same as in the issued SVID.
            Extensions requested = new Extensions(new Extension(Extension.subjectAlternativeName, true,
                    san.getEncoded()));
            return new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                    keyPair.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested)
                    .build(SignatureAlgorithms.signer(keyPair.getPrivate()))
                    .getEncoded();
        } catch (IOException e) {
            // Encoding into memory cannot fail short of a bug in the ASN.1 library.
            throw new UncheckedIOException("cannot encode the CSR for " + id, e);
        }
    }
}
