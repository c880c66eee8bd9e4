package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Smoke test on every transport this machine offers: bytes echo through a real tunnel. */
class TunnelEchoTest {

    static Stream<Transport> transports() {
        List<Transport> available = new ArrayList<>();
        for (Transport t : Transport.values()) {
            if (t.isAvailable()) {
                available.add(t);
            }
        }
        return available.stream();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void echoesThroughTunnelAndPassesHeaders(Transport transport) throws Exception {
        EventLoopGroup group = transport.newEventLoopGroup(2, "echo-test");
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            InetSocketAddress entry = fixture.entryTo(upstream);
            try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                socket.setSoTimeout(60_000);
                byte[] hello = ("hello over " + transport.settingName()).getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(hello);
                out.flush();
                byte[] back = new byte[hello.length];
                new DataInputStream(socket.getInputStream()).readFully(back);
                assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo(new String(hello, StandardCharsets.UTF_8));
                socket.shutdownOutput();
                InputStream in = socket.getInputStream();
                assertThat(in.read()).as("FIN propagated back after the echo").isEqualTo(-1);
            }
            HboneRequest request = fixture.requests.peek();
            assertThat(request).isNotNull();
            assertThat(request.peer()).isEqualTo(TunnelFixture.CLIENT_ID);
            assertThat(request.target()).isEqualTo(upstream);
            assertThat(request.forwarded()).startsWith("for=\"127.0.0.1:");
            assertThat(request.baggage()).isEqualTo("k8s.namespace.name=front");
            assertThat(request.traceparent()).startsWith("00-0af7651916cd43dd8448eb211c80319c");
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @org.junit.jupiter.api.Test
    void defaultTransportIsChosenAndExplained() {
        assertThat(Transports.choice().reason()).isNotBlank();
        assertThat(Transports.choice().transport().isAvailable()).isTrue();
    }
}
