package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** 1 GiB through one tunnel, generated and checksummed on the fly on both ends. */
class BulkTransferTest {

    private static final long TOTAL = 1L << 30;
    private static final int CHUNK = 64 * 1024;

    @Test
    void oneGibibyteArrivesIntact() throws Exception {
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(2, "bulk-test");
        try (TunnelFixture fixture = new TunnelFixture(transport, group)) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.ChecksumSink::new).localAddress();
            InetSocketAddress entry = fixture.entryTo(upstream);
            CRC32 sent = new CRC32();
            try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                socket.setSoTimeout(60_000);
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[CHUNK];
                ByteBuffer view = ByteBuffer.wrap(chunk);
                long state = 0x9E3779B97F4A7C15L;
                for (long written = 0; written < TOTAL; written += CHUNK) {
                    view.clear();
                    while (view.hasRemaining()) {
                        state ^= state << 13;
                        state ^= state >>> 7;
                        state ^= state << 17;
                        view.putLong(state);
                    }
                    sent.update(chunk);
                    out.write(chunk);
                }
                socket.shutdownOutput();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                long receivedCount = in.readLong();
                long receivedCrc = in.readLong();
                assertThat(receivedCount).isEqualTo(TOTAL);
                assertThat(receivedCrc).as("CRC32 at the upstream").isEqualTo(sent.getValue());
                assertThat(in.read()).as("upstream FIN reaches the client").isEqualTo(-1);
            }
            assertThat(fixture.registry.get("trellis.hbone.bytes").tag("side", "client").tag("direction", "out")
                    .counter().count()).isGreaterThanOrEqualTo(TOTAL);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
