package io.trellis.node.proxy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal blocking SOCKS5 client (RFC 1928, no authentication) for tests. */
final class Socks5Client {

    private Socks5Client() {}

    static Socket connect(InetSocketAddress proxy, String host, int port) throws IOException {
        Socket s = new Socket(proxy.getAddress(), proxy.getPort());
        int rep = request(s, host, port);
        if (rep != 0) {
            s.close();
            throw new IOException("SOCKS5 CONNECT to " + host + ":" + port + " failed with reply " + rep);
        }
        return s;
    }

    static Socket connect(InetSocketAddress proxy, InetAddress address, int port) throws IOException {
        return connect(proxy, address.getHostAddress(), port);
    }

    static int replyCode(InetSocketAddress proxy, String host, int port) throws IOException {
        try (Socket s = new Socket(proxy.getAddress(), proxy.getPort())) {
            return request(s, host, port);
        }
    }

    private static int request(Socket s, String host, int port) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write(new byte[] {5, 1, 0});
        byte[] method = new byte[2];
        in.readFully(method);
        if (method[0] != 5 || method[1] != 0) {
            throw new IOException("SOCKS5 method refused: " + method[1]);
        }
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[7 + name.length];
        req[0] = 5;
        req[1] = 1;
        req[3] = 3;
        req[4] = (byte) name.length;
        System.arraycopy(name, 0, req, 5, name.length);
        req[5 + name.length] = (byte) (port >> 8);
        req[6 + name.length] = (byte) port;
        out.write(req);
        byte[] reply = new byte[10];
        in.readFully(reply);
        return reply[1];
    }
}
