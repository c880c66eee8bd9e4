package io.trellis.perf.peer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** The two HAProxy configurations of an mTLS tunnel ({@link HaproxyTunnel}), and nginx's for {@link NginxProxy}. */
final class PeerConfigs {

    private PeerConfigs() {}

    /**
     * Global and default sections of both halves. {@code threads} 0 leaves HAProxy's default (one thread per CPU,
     * as the node-proxy's event loops in the lab); the loopback suite pins 1, like its single-loop Trellis pair.
     */
    private static String common(int threads) {
        return (threads > 0 ? "global\n    nbthread " + threads + "\n" : "global\n") + """
                    maxconn 9000
                    tune.ssl.default-dh-param 2048
                    ssl-default-bind-options ssl-min-ver TLSv1.3
                    ssl-default-server-options ssl-min-ver TLSv1.3

                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 120s
                    timeout server 120s

                """;
    }

    /**
     * Node A: for each route a frontend on {@code entry} taking plain TCP and a backend opening TLS 1.3 with the
     * client certificate to {@code tunnel}, verifying B's chain against {@code caFile}.
     */
    static String entry(int threads, List<HaproxyTunnel.Route> routes, Path certAndKey, Path caFile) {
        StringBuilder b = new StringBuilder(common(threads));
        for (int i = 0; i < routes.size(); i++) {
            HaproxyTunnel.Route r = routes.get(i);
            b.append("""
                    frontend entry%1$d
                        bind %2$s
                        default_backend tunnel%1$d

                    backend tunnel%1$d
                        server b %3$s ssl crt %4$s ca-file %5$s verify required

                    """.formatted(i, hostPort(r.entry()), hostPort(r.tunnel()), certAndKey, caFile));
        }
        return b.toString();
    }

    /**
     * Node B: for each route a frontend on {@code tunnelBind} that requires a client certificate signed by the root
     * in {@code caFile}, and a backend connecting to {@code target} in plain TCP.
     */
    static String exit(int threads, List<HaproxyTunnel.Route> routes, Path certAndKey, Path caFile) {
        StringBuilder b = new StringBuilder(common(threads));
        for (int i = 0; i < routes.size(); i++) {
            HaproxyTunnel.Route r = routes.get(i);
            b.append("""
                    frontend tunnel%1$d
                        bind %2$s ssl crt %3$s ca-file %4$s verify required
                        default_backend app%1$d

                    backend app%1$d
                        server app %5$s

                    """.formatted(i, hostPort(r.tunnelBind()), certAndKey, caFile, hostPort(r.target())));
        }
        return b.toString();
    }

    /** {@code host:port} as HAProxy reads it (the last colon separates the port, so IPv6 literals work too). */
    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /**
     * nginx as an HTTP/1.1 reverse proxy with upstream keep-alive: one worker, no master, no
     * access log (the Trellis waypoint's access log is off in the comparison too).
     */
    static String nginx(Path prefix, int listenPort, InetSocketAddress target) {
        return """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log warn;
                events { worker_connections 18000; }
                http {
                    access_log off;
                    # nginx closes a keep-alive connection after 1,000 requests by default; Trellis and
                    # HAProxy do not, and the load generator does not reconnect, so lift the limit.
                    keepalive_requests 1000000000;
                    keepalive_timeout 300s;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    upstream app {
                        server %3$s:%4$d;
                        keepalive 128;
                        keepalive_requests 1000000000;
                    }
                    server {
                        listen 127.0.0.1:%2$d;
                        location / {
                            proxy_pass http://app;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                }
                """.formatted(prefix, listenPort, target.getHostString(), target.getPort());
    }
}
