package io.trellis.proxy.core.hbone;

import io.netty.util.AsciiString;

/** Header names HBONE uses on CONNECT requests and responses. */
public final class HboneHeaders {

    /** {@code for="<src ip:port>"}: the original client address (RFC 7239). */
    public static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    /** W3C baggage: source workload metadata. */
    public static final AsciiString BAGGAGE = AsciiString.cached("baggage");
    /** W3C trace context, passed through. */
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    /** On a non-200 answer: why the server refused, for humans and logs. */
    public static final AsciiString REASON = AsciiString.cached("trellis-reason");

    private HboneHeaders() {}

    /** Makes free text safe as a header value: printable ASCII only, bounded length. */
    static String headerSafe(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 512));
        for (int i = 0; i < text.length() && out.length() < 512; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : ' ');
        }
        return out.toString();
    }
}
