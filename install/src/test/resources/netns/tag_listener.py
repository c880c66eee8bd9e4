# Test listener for the in-pod capture tests: accepts TCP on PORT and answers each connection with
# one line "TAG port=<local port> original=<SO_ORIGINAL_DST> peer=<client ip>", then closes.
import socket
import struct
import sys

SO_ORIGINAL_DST = 80  # from linux/netfilter_ipv4.h

port, tag = int(sys.argv[1]), sys.argv[2]
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", port))
server.listen(64)
print("listening", port, flush=True)
while True:
    conn, peer = server.accept()
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        dport, daddr = struct.unpack("!2xH4s8x", raw)
        original = socket.inet_ntoa(daddr) + ":" + str(dport)
    except OSError:
        original = "none"
    local = conn.getsockname()[1]
    conn.sendall(f"{tag} port={local} original={original} peer={peer[0]}\n".encode())
    conn.close()
