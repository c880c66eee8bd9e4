package io.trellis.e2e.bench;

import java.util.List;

/**
 * HAProxy (the distribution's package) as the HTTP/1.1 reverse proxy peer of the waypoint: HTTP mode, keep-alive on
 * both sides, upstream connections reused across client connections ({@code http-reuse always}, as the waypoint pools
 * its upstreams), no logging (the waypoint's access log is its own cost, left on), thread count HAProxy's default (one
 * per CPU, as the waypoint's event loops); {@code maxconn 9000} because HAProxy needs two descriptors per
 * connection and the lab's descriptor limit is 20,000.
 */
final class LabHaproxy {

    private LabHaproxy() {
    }

    /** The configuration: listen on every address of the pod at {@code listenPort}, forward to {@code host:port}. */
    static String config(int listenPort, String host, int port) {
        return """
                global
                    maxconn 9000

                defaults
                    mode http
                    option http-keep-alive
                    timeout connect 5s
                    timeout client 120s
                    timeout server 120s
                    timeout http-keep-alive 120s

                frontend web
                    bind 0.0.0.0:%d
                    default_backend app

                backend app
                    http-reuse always
                    server app %s:%d
                """.formatted(listenPort, host, port);
    }

    /** {@code haproxy -db -f <config>}: in the foreground, logging to stderr only. */
    static List<String> command(String configFile) {
        return List.of("haproxy", "-db", "-f", configFile);
    }
}
