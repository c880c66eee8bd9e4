package io.trellis.proxy.core.admin;

import java.nio.charset.StandardCharsets;

/** What an admin handler answers. */
public record AdminResponse(int status, String contentType, byte[] body) {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    public static AdminResponse text(int status, String body) {
        return new AdminResponse(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
    }

    public static AdminResponse json(String body) {
        return new AdminResponse(200, JSON, body.getBytes(StandardCharsets.UTF_8));
    }
}
