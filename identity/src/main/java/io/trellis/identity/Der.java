package io.trellis.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few DER encodings (X.690) a certificate signing request needs, written directly. Each method returns one
 * complete TLV; constructed values take already-encoded children.
 */
final class Der {

    private static final int SEQUENCE = 0x30;
    private static final int SET = 0x31;
    private static final int OBJECT_IDENTIFIER = 0x06;
    private static final int OCTET_STRING = 0x04;
    private static final int BIT_STRING = 0x03;

    /** {@code INTEGER 0}. */
    static final byte[] INTEGER_ZERO = {0x02, 0x01, 0x00};
    /** {@code BOOLEAN TRUE}. */
    static final byte[] TRUE = {0x01, 0x01, (byte) 0xff};
    /** {@code NULL}. */
    static final byte[] NULL = {0x05, 0x00};

    private Der() {}

    static byte[] sequence(byte[]... children) {
        return tlv(SEQUENCE, concat(children));
    }

    static byte[] set(byte[]... children) {
        return tlv(SET, concat(children));
    }

    /** A context-specific constructed value {@code [tag]} (IMPLICIT over a SET or SEQUENCE). */
    static byte[] contextConstructed(int tag, byte[]... children) {
        return tlv(0xa0 | tag, concat(children));
    }

    /** A context-specific primitive value {@code [tag] IMPLICIT IA5String}, as a GeneralName's URI. */
    static byte[] contextIa5(int tag, String ascii) {
        return tlv(0x80 | tag, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] octetString(byte[] content) {
        return tlv(OCTET_STRING, content);
    }

    /** A BIT STRING of whole bytes (no unused bits), as a signature value. */
    static byte[] bitString(byte[] content) {
        byte[] withPadding = new byte[content.length + 1];
        System.arraycopy(content, 0, withPadding, 1, content.length);
        return tlv(BIT_STRING, withPadding);
    }

    /** An OBJECT IDENTIFIER from its dotted form ({@code 1.2.840.113549.1.9.14}). */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        if (arcs.length < 2) {
            throw new IllegalArgumentException("an OID has at least two arcs: " + dotted);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, 40 * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tlv(OBJECT_IDENTIFIER, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = 1;
        for (long v = value >>> 7; v != 0; v >>>= 7) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int bits = (int) (value >>> (7 * g)) & 0x7f;
            out.write(g == 0 ? bits : bits | 0x80);
        }
    }

    private static byte[] tlv(int tag, byte[] content) {
        int n = content.length;
        int lengthBytes = n < 0x80 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
        byte[] out = new byte[2 + lengthBytes + n];
        out[0] = (byte) tag;
        if (lengthBytes == 0) {
            out[1] = (byte) n;
        } else {
            out[1] = (byte) (0x80 | lengthBytes);
            for (int i = 0; i < lengthBytes; i++) {
                out[2 + i] = (byte) (n >>> (8 * (lengthBytes - 1 - i)));
            }
        }
        System.arraycopy(content, 0, out, 2 + lengthBytes, n);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
