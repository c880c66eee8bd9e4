# The demo's reviews app: answers "reviews <version> <marker>" to every GET, except that the first request
# carrying header x-demo-fail-once: <id> gets a 503 (each id fails once per replica), which is how the
# demo injects a failure the waypoint's retry has to hide. One log line per request on stdout.
import http.server
import sys

version, marker, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
# optional: the address to bind (the loopback demo gives each app its own 127.x address)
bind = sys.argv[4] if len(sys.argv) > 4 else "0.0.0.0"
failed_ids = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        fail_id = self.headers.get("x-demo-fail-once")
        if fail_id and fail_id not in failed_ids:
            failed_ids.add(fail_id)
            status, body = 503, "reviews %s failing once for %s\n" % (version, fail_id)
        else:
            status, body = 200, "reviews %s %s\n" % (version, marker)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        print("event=reviews_request version=%s path=%s status=%d fail_once=%s"
              % (version, self.path, status, fail_id or "-"), flush=True)

    def log_message(self, format, *args):
        pass


http.server.ThreadingHTTPServer((bind, port), Handler).serve_forever()
