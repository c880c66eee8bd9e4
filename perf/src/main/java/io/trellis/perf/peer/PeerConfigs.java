package io.trellis.perf.peer;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** The two HAProxy configurations of {@link HaproxyPair}, and nginx's for {@link NginxProxy}. */
final class PeerConfigs {

    private PeerConfigs() {}

    private static String common() {
        return """
                global
                    nbthread 1
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

    /** Node A: plain TCP in, mTLS out to B with a client certificate. */
    static String entry(int entryPort, int tunnelPort, Path certAndKey, Path caFile) {
        return common() + """
                frontend entry
                    bind 127.0.0.1:%d
                    default_backend tunnel

                backend tunnel
                    server b 127.0.0.1:%d ssl crt %s ca-file %s verify required
                """.formatted(entryPort, tunnelPort, certAndKey, caFile);
    }

    /** Node B: mTLS in, client certificates required, plain TCP to the target. */
    static String exit(int tunnelPort, Path certAndKey, Path caFile, InetSocketAddress target) {
        return common() + """
                frontend tunnel
                    bind 127.0.0.1:%d ssl crt %s ca-file %s verify required
                    default_backend app

                backend app
                    server app %s:%d
                """.formatted(tunnelPort, certAndKey, caFile, target.getHostString(), target.getPort());
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
