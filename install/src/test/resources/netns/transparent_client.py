# Test client for the transparent-return rules: connects to HOST:PORT the way the node-proxy does
# when it keeps a client's address toward the app: IP_TRANSPARENT, the proxy's SO_MARK, and bound
# to a foreign source address SRC. Prints the first line the server sends.
import socket
import sys

IP_TRANSPARENT = 19  # from linux/in.h

src, host, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x539)
s.bind((src, 0))
s.settimeout(timeout)
s.connect((host, port))
print(s.makefile().readline().strip(), flush=True)
