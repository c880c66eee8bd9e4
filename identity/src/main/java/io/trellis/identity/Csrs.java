package io.trellis.identity;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

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

    /** The CSR as PEM text ("CERTIFICATE REQUEST"), as the CA service's {@code csr_pem} carries it. */
    public static String toPem(byte[] csrDer) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("CERTIFICATE REQUEST", csrDer));
        } catch (IOException e) {
            throw new UncheckedIOException("writing PEM into memory failed", e);
        }
        return out.toString();
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
        PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            object = reader.readPemObject();
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("the CSR is not valid PEM: " + e.getMessage(), e);
        }
        if (object == null) {
            throw new CsrRejectedException("no PEM block found in the CSR text");
        }
        if (!object.getType().equals("CERTIFICATE REQUEST") && !object.getType().equals("NEW CERTIFICATE REQUEST")) {
            throw new CsrRejectedException("expected a PEM CERTIFICATE REQUEST but found " + object.getType());
        }
        return object.getContent();
    }
}
