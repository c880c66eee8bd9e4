package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Random;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;

class PemTest {

    private final Random random = new Random(7);

    @Test
    void writesWhatBouncyCastleWritesAndReadsIt() throws Exception {
        for (int size : List.of(0, 1, 47, 48, 49, 700, 2000)) {
            byte[] der = new byte[size];
            random.nextBytes(der);
            StringWriter theirs = new StringWriter();
            try (PemWriter writer = new PemWriter(theirs)) {
                writer.writeObject(new PemObject("CERTIFICATE", der));
            }

            assertThat(Pem.encode("CERTIFICATE", der)).as("%d bytes", size).isEqualTo(theirs.toString());
            try (PemReader reader = new PemReader(new StringReader(Pem.encode("CERTIFICATE", der)))) {
                assertThat(reader.readPemObject().getContent()).isEqualTo(der);
            }
            assertThat(Pem.decode(theirs.toString())).singleElement().satisfies(b -> {
                assertThat(b.label()).isEqualTo("CERTIFICATE");
                assertThat(b.der()).isEqualTo(der);
            });
        }
    }

    @Test
    void readsSeveralBlocksAndSkipsTextAndHeadersAroundThem() throws Exception {
        String text = "Bag Attributes\n    localKeyID: 01 02\nsubject=CN = web\r\n"
                + Pem.encode("CERTIFICATE", new byte[] {1, 2, 3}).replace("\n", "\r\n")
                + "\n  -----BEGIN PRIVATE KEY-----  \nProc-Type: 4,ENCRYPTED\n\nBAUG\n-----END PRIVATE KEY-----\ntrailing";

        List<Pem.Block> blocks = Pem.decode(text);

        assertThat(blocks).extracting(Pem.Block::label).containsExactly("CERTIFICATE", "PRIVATE KEY");
        assertThat(blocks.get(0).der()).containsExactly(1, 2, 3);
        assertThat(blocks.get(1).der()).containsExactly(4, 5, 6);
        assertThat(Pem.decode("no pem here\n")).isEmpty();
        assertThat(Pem.decode("")).isEmpty();
    }

    @Test
    void saysWhatIsWrongWithABrokenBlock() {
        assertThatThrownBy(() -> Pem.decode("x\n-----BEGIN CERTIFICATE-----\nAQID\n"))
                .isInstanceOf(Pem.PemException.class)
                .hasMessage("the CERTIFICATE block begun on line 2 has no END line");
        assertThatThrownBy(() -> Pem.decode("-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n"))
                .hasMessage("line 3: the CERTIFICATE block begun on line 1 ends with '-----END PRIVATE KEY-----'");
        assertThatThrownBy(() -> Pem.decode("-----BEGIN CERTIFICATE-----\nAQ*D\n-----END CERTIFICATE-----\n"))
                .hasMessageStartingWith("the CERTIFICATE block begun on line 1 is not valid base64: ");
        assertThatThrownBy(() -> Pem.decode("-----BEGIN A-----\n-----BEGIN B-----\n"))
                .hasMessage("line 2: a new block begins inside the A block begun on line 1");
    }
}
