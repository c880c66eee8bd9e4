# Test client for the in-pod capture tests: connects to HOST:PORT (optionally with SO_MARK set, as
# the node-proxy's own sockets are) and prints the first line the server sends.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
mark = int(sys.argv[3], 0) if len(sys.argv) > 3 else 0
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if mark:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
s.settimeout(5)
s.connect((host, port))
print(s.makefile().readline().strip(), flush=True)
