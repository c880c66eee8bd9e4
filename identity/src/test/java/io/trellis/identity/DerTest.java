package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.junit.jupiter.api.Test;

class DerTest {

    @Test
    void encodesObjectIdentifiersAsBouncyCastleDoes() throws Exception {
        for (String oid : new String[] {"1.2.840.113549.1.9.14", "2.5.29.17", "1.2.840.10045.4.3.2", "2.999.3",
                "1.3.6.1.4.1.311.21.20", "0.9.2342.19200300.100.1.1"}) {
            assertThat(Der.oid(oid)).as(oid).isEqualTo(new ASN1ObjectIdentifier(oid).getEncoded(ASN1Encoding.DER));
        }
    }

    @Test
    void usesTheShortestLengthForm() throws Exception {
        for (int n : new int[] {0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000}) {
            byte[] content = new byte[n];
            assertThat(Der.octetString(content)).as("%d bytes", n)
                    .isEqualTo(new DEROctetString(content).getEncoded(ASN1Encoding.DER));
        }
    }
}
