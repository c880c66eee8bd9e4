package io.trellis.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The controller's HTTP endpoints (port 15014 by default):
 * {@code /metrics} (Prometheus text), {@code /healthz/live}, {@code /healthz/ready} (200 once the first config
 * was loaded and pushed, 503 before) and {@code /debug/proxy-status} (every connected proxy's ACK/NACK state).
 */
final class MonitoringServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("monitoring-http").factory());

    MonitoringServer(InetSocketAddress address, PrometheusMeterRegistry registry, BooleanSupplier ready,
                     Supplier<String> proxyStatus) throws IOException {
        server = HttpServer.create(address, 16);
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.createContext("/healthz/live", ex -> send(ex, 200, "text/plain", "live\n"));
        server.createContext("/healthz/ready", ex -> {
            boolean ok = ready.getAsBoolean();
            send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready: first config not pushed yet\n");
        });
        server.createContext("/debug/proxy-status", ex -> send(ex, 200, "text/plain", proxyStatus.get()));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
