package io.trellis.e2e.faults;

/**
 * One transfer as the load client logged it: one line {@code <startMs> <endMs> <ok|fail> <verifiedBytes> <detail>}.
 *
 * @param startMillis epoch milliseconds when the connection was opened
 * @param endMillis   epoch milliseconds when the outcome was known
 */
public record Transfer(long startMillis, long endMillis, boolean ok, long verifiedBytes, String detail) {

    /** The detail of a 200 whose body did not match its checksum. */
    public static final String CORRUPTED = "corrupted";

    /** Parses one log line; throws {@link IllegalArgumentException} naming the line when it is malformed. */
    public static Transfer parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 5 || !(f[2].equals("ok") || f[2].equals("fail"))) {
            throw new IllegalArgumentException("not a transfer log line: '" + line + "'");
        }
        try {
            return new Transfer(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2].equals("ok"), Long.parseLong(f[3]),
                    f[4]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a transfer log line: '" + line + "'", e);
        }
    }

    /** The log line {@link #parse} reads. */
    public String format() {
        return startMillis + " " + endMillis + " " + (ok ? "ok" : "fail") + " " + verifiedBytes + " " + detail;
    }

    public boolean corrupted() {
        return detail.equals(CORRUPTED);
    }
}
