package io.trellis.identity;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM text (RFC 7468) with the JDK alone: base64 blocks between {@code -----BEGIN <label>-----} and
 * {@code -----END <label>-----} lines. Kept free of Bouncy Castle so a proxy, which only ever writes a CSR and
 * reads the CA's certificates, never loads a class from Bouncy Castle's signed jars (verifying them keeps every
 * jar's ~7,700 manifest entries on the heap).
 */
final class Pem {

    /** One block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and its decoded bytes. */
    record Block(String label, byte[] der) {}

    /** A text that is not PEM, or a block that cannot be decoded; the message says which and where. */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message);
        }
    }

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final Base64.Encoder ENCODER =
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private Pem() {}

    /** One block, base64 in lines of 64 characters, each line ending in {@code \n}. */
    static String encode(String label, byte[] der) {
        String body = der.length == 0 ? "" : ENCODER.encodeToString(der) + "\n";
        return BEGIN + label + DASHES + "\n" + body + END + label + DASHES + "\n";
    }

    /**
     * Every block in the text, in order. Text outside blocks is ignored (RFC 7468 allows explanatory text, as
     * openssl writes it); header lines inside a block ({@code Proc-Type: ...}, RFC 1421) are skipped.
     *
     * @throws PemException for a block without its END line, an END line of another label, or bad base64
     */
    static List<Block> decode(String text) throws PemException {
        List<Block> blocks = new ArrayList<>();
        String label = null;
        StringBuilder base64 = new StringBuilder();
        int lineNumber = 0;
        int started = 0;
        for (String raw : text.split("\r?\n", -1)) {
            lineNumber++;
            String line = raw.strip();
            if (label == null) {
                if (line.startsWith(BEGIN) && line.endsWith(DASHES) && line.length() > BEGIN.length() + DASHES.length()) {
                    label = line.substring(BEGIN.length(), line.length() - DASHES.length());
                    started = lineNumber;
                    base64.setLength(0);
                }
            } else if (line.startsWith(END)) {
                String closing = line.endsWith(DASHES) && line.length() >= END.length() + DASHES.length()
                        ? line.substring(END.length(), line.length() - DASHES.length()) : line;
                if (!closing.equals(label)) {
                    throw new PemException("line " + lineNumber + ": the " + label + " block begun on line " + started
                            + " ends with '" + line + "'");
                }
                blocks.add(new Block(label, decodeBase64(base64, label, started)));
                label = null;
            } else if (line.startsWith(BEGIN)) {
                throw new PemException("line " + lineNumber + ": a new block begins inside the " + label
                        + " block begun on line " + started);
            } else if (!line.contains(":")) {
                base64.append(line);
            }
        }
        if (label != null) {
            throw new PemException("the " + label + " block begun on line " + started + " has no END line");
        }
        return blocks;
    }

    private static byte[] decodeBase64(CharSequence base64, String label, int started) throws PemException {
        try {
            return Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            throw new PemException("the " + label + " block begun on line " + started + " is not valid base64: "
                    + e.getMessage());
        }
    }
}
