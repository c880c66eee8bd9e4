package io.trellis.node.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * The client address from an HBONE {@code forwarded} header ({@code for="10.0.1.5:43210"} or
 * {@code for="[fd00::5]:43210"}). Untrusted input: anything else yields null and the caller falls
 * back to the peer's address. Only IP literals are accepted, so parsing never does a DNS lookup.
 */
final class ForwardedFor {

    private ForwardedFor() {}

    static @Nullable InetAddress parse(@Nullable String header) {
        if (header == null) {
            return null;
        }
        int i = header.indexOf("for=");
        if (i < 0) {
            return null;
        }
        String v = header.substring(i + 4);
        int end = v.indexOf(';');
        if (end >= 0) {
            v = v.substring(0, end);
        }
        end = v.indexOf(',');
        if (end >= 0) {
            v = v.substring(0, end);
        }
        v = v.trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        String host;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = v.substring(1, close);
        } else {
            int colon = v.lastIndexOf(':');
            host = colon >= 0 ? v.substring(0, colon) : v;
        }
        return literal(host);
    }

    private static @Nullable InetAddress literal(String host) {
        if (!isIpLiteral(host)) {
            return null;
        }
        try {
            return InetAddress.getByName(host); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Whether {@code s} has the shape of an IP literal (digits and dots, or hex digits, dots and at
     * least one colon), so {@code InetAddress.getByName} parses it without a DNS lookup.
     */
    static boolean isIpLiteral(String s) {
        if (s.isEmpty()) {
            return false;
        }
        if (s.indexOf(':') >= 0) {
            return s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
        }
        return s.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
    }
}
