package io.trellis.proxy.core.telemetry;

import org.jspecify.annotations.Nullable;

/**
 * The members of a one-line JSON object, appended to a builder without an encoder's allocations: each member ends
 * with a comma, and {@link #close} turns the last comma into the closing brace. Strings are escaped as JSON
 * requires: quote and backslash; {@code \n}, {@code \r} and {@code \t} by name; other control characters as a
 * backslash-u escape with four hex digits. Other characters are kept as they are.
 */
public final class JsonLine {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonLine() {
    }

    /** Starts the object. */
    public static void open(StringBuilder b) {
        b.append('{');
    }

    /** Ends the object after at least one member. */
    public static void close(StringBuilder b) {
        b.setLength(b.length() - 1);
        b.append('}');
    }

    /** {@code "name":value,} */
    public static void number(StringBuilder b, String name, long value) {
        b.append('"').append(name).append("\":").append(value).append(',');
    }

    /** {@code "name":"value",} with {@code value} escaped, or {@code "name":null,}. */
    public static void string(StringBuilder b, String name, @Nullable String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null,");
            return;
        }
        b.append('"');
        int n = value.length();
        int clean = 0;
        while (clean < n) {
            char c = value.charAt(clean);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            clean++;
        }
        // Most values need no escaping: append them in one copy.
        if (clean == n) {
            b.append(value);
        } else {
            b.append(value, 0, clean);
        }
        for (int i = clean; i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append("\",");
    }
}
