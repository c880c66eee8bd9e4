package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with an HTTP/2 stack nobody here wrote: Node.js's built-in {@code http2} as an HBONE
 * client against our server, and as an HBONE server our client pool tunnels through.
 */
class NodeInteropTest {

    private static Transport transport;
    private static EventLoopGroup group;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() {
        assumeTrue(nodeInstalled(), "node is not installed; skipping the Node.js http2 interop tests");
        transport = Transports.choice().transport();
        group = transport.newEventLoopGroup(2, "node-interop");
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static boolean nodeInstalled() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Path script(String name) throws URISyntaxException {
        return Path.of(NodeInteropTest.class.getResource("/interop/" + name).toURI());
    }

    private String runClient(InetSocketAddress hbone, String method, String authority, Path pems, int size) throws Exception {
        Process p = new ProcessBuilder("node", script("hbone-client.js").toString(),
                "127.0.0.1:" + hbone.getPort(), method, authority, pems.toString(), Integer.toString(size))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("node client finished").isTrue();
        return out;
    }

    @Test
    void nodeClientTunnelsThroughOurServer() throws Exception {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            Path pems = Pem.write(fixture.clientCert, temp.resolve("client"));
            String result = runClient(fixture.hboneAddress, "CONNECT", "127.0.0.1:" + upstream.getPort(), pems, 4 << 20);
            assertThat(result).contains("\"status\":200").contains("\"received\":" + (4 << 20)).contains("\"match\":true");
            assertThat(fixture.requests.peek().peer()).isEqualTo(TunnelFixture.CLIENT_ID);
        }
    }

    @Test
    void nodeClientGetsClearErrorsForBadRequests() throws Exception {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            Path pems = Pem.write(fixture.clientCert, temp.resolve("client"));
            assertThat(runClient(fixture.hboneAddress, "GET", "127.0.0.1:80", pems, 0))
                    .contains("\"status\":405").contains("HBONE accepts only CONNECT, got GET");
            assertThat(runClient(fixture.hboneAddress, "CONNECT", "example.com:80", pems, 0))
                    .contains("\"status\":400").contains("invalid :authority 'example.com:80'");
            // Port 1 on loopback: nothing listens, the upstream connect is refused.
            assertThat(runClient(fixture.hboneAddress, "CONNECT", "127.0.0.1:1", pems, 0))
                    .contains("\"status\":502").contains("upstream 127.0.0.1:1 refused the connection");
        }
    }

    @Test
    void ourClientTunnelsThroughNodeServer() throws Exception {
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            Path pems = Pem.write(fixture.serverCert, temp.resolve("server"));
            Process node = new ProcessBuilder("node", script("hbone-server.js").toString(), pems.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                String ready = lines.readLine();
                assertThat(ready).as("node server started").startsWith("LISTENING ");
                InetSocketAddress nodeHbone = new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.substring(10).trim()));
                InetSocketAddress entry = fixture.entryTo(upstream, nodeHbone);
                byte[] payload = new byte[2 << 20];
                new Random(42).nextBytes(payload);
                List<Thread> writers = new ArrayList<>();
                try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                    socket.setSoTimeout(60_000);
                    Thread writer = Thread.ofVirtual().start(() -> {
                        try {
                            socket.getOutputStream().write(payload);
                            socket.shutdownOutput();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    writers.add(writer);
                    byte[] back = new DataInputStream(socket.getInputStream()).readAllBytes();
                    writer.join();
                    assertThat(back).as("echo through the Node.js HBONE server").isEqualTo(payload);
                }
            } finally {
                node.getOutputStream().close();
                node.waitFor(10, TimeUnit.SECONDS);
                node.destroy();
            }
        }
    }
}
