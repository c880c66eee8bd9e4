package io.trellis.waypoint.proxy;

import java.util.Locale;

/** The application protocol of a service port (Kubernetes {@code appProtocol}): what the upstream speaks. */
public enum AppProtocol {
    /** HTTP/1.1. */
    HTTP,
    /** HTTP/2 with prior knowledge (h2c). */
    HTTP2,
    /** gRPC: HTTP/2 with trailers. */
    GRPC;

    /**
     * Parses {@code http}, {@code http2}, {@code h2c}, {@code kubernetes.io/h2c} or {@code grpc}
     * (case-insensitive).
     */
    public static AppProtocol parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "http", "http1", "http/1.1" -> HTTP;
            case "http2", "h2c", "kubernetes.io/h2c" -> HTTP2;
            case "grpc" -> GRPC;
            default -> throw new IllegalArgumentException("unsupported appProtocol '" + value
                    + "': the waypoint speaks http, http2 (h2c) or grpc");
        };
    }

    /** Whether the upstream is spoken to with HTTP/2. */
    boolean isHttp2() {
        return this != HTTP;
    }
}
