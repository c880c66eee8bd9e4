package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.node.authz.MtlsMode;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** Malformed or unsupported SOCKS5 input gets the protocol's error reply (where one exists) and a close. */
class Socks5ErrorsTest {

    @Test
    void unsupportedAndMalformedRequests() throws Exception {
        try (LoopbackMesh mesh = new LoopbackMesh(MtlsMode.PERMISSIVE);
                Socks5Server socks = mesh.paths.startSocks5(new InetSocketAddress("127.0.0.1", 0), LoopbackMesh.SRC_ID)) {
            InetSocketAddress at = socks.address();
            // Not SOCKS 5 at all: closed without a reply.
            try (Socket s = open(at)) {
                s.getOutputStream().write(new byte[] {4, 1, 0, 80, 127, 0, 0, 1, 0});
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            // Only username/password offered: "no acceptable method", then closed.
            try (Socket s = open(at)) {
                s.getOutputStream().write(new byte[] {5, 1, 2});
                assertThat(readN(s.getInputStream(), 2)).containsExactly(5, 0xff);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            // BIND is not supported.
            assertThat(request(at, new byte[] {5, 2, 0, 1, 127, 0, 0, 1, 0, 80}))
                    .isEqualTo(Socks5Handler.REP_COMMAND_NOT_SUPPORTED);
            // Unknown address type.
            assertThat(request(at, new byte[] {5, 1, 0, 9, 0, 0}))
                    .isEqualTo(Socks5Handler.REP_ADDRESS_TYPE_NOT_SUPPORTED);
            // A domain that is neither a mesh service nor an IP literal: never looked up in DNS.
            assertThat(Socks5Client.replyCode(at, "bad.cafe", 80)).isEqualTo(Socks5Handler.REP_HOST_UNREACHABLE);
            // Nothing listening behind an address outside the mesh: refused.
            assertThat(Socks5Client.replyCode(at, "127.77.0.9", 1)).isEqualTo(Socks5Handler.REP_REFUSED);
            // The server is still fine afterwards.
            try (Socket s = Socks5Client.connect(at, mesh.app.getAddress(), mesh.app.getPort())) {
                TrafficPathsLoopbackTest.assertEchoOn(s, "still serving");
            }
        }
    }

    private static Socket open(InetSocketAddress at) throws IOException {
        Socket s = new Socket(at.getAddress(), at.getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    /** Greets with "no auth", sends {@code request}, returns the reply code. */
    private static int request(InetSocketAddress at, byte[] request) throws IOException {
        try (Socket s = open(at)) {
            s.getOutputStream().write(new byte[] {5, 1, 0});
            assertThat(readN(s.getInputStream(), 2)).containsExactly(5, 0);
            s.getOutputStream().write(request);
            int[] reply = readN(s.getInputStream(), 10);
            assertThat(s.getInputStream().read()).as("closed after an error reply").isEqualTo(-1);
            return reply[1];
        }
    }

    private static int[] readN(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        new DataInputStream(in).readFully(b);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }
}
