package io.trellis.proxy.core.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** 1,000 tunnels open at the same time share a handful of pooled HTTP/2 connections. */
class ConcurrentStreamsTest {

    private static final int STREAMS = 1000;
    private static final int PER_CONNECTION = 100;

    @Test
    void thousandConcurrentStreamsOverFewConnections() throws Exception {
        Transport transport = Transports.choice().transport();
        EventLoopGroup group = transport.newEventLoopGroup(2, "streams-test");
        HbonePoolConfig config = new HbonePoolConfig(PER_CONNECTION, java.time.Duration.ofSeconds(60),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(10));
        try (TunnelFixture fixture = new TunnelFixture(transport, group, config);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            InetSocketAddress upstream = (InetSocketAddress) fixture.upstream(TestApps.Echo::new).localAddress();
            InetSocketAddress entry = fixture.entryTo(upstream);
            // Nobody finishes before everyone has a live, echoing tunnel: all 1,000 are open at once.
            CyclicBarrier allOpen = new CyclicBarrier(STREAMS);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                int id = i;
                results.add(threads.submit(() -> {
                    try (Socket socket = new Socket(entry.getAddress(), entry.getPort())) {
                        socket.setSoTimeout(60_000);
                        byte[] first = ("stream " + id + " hello|").getBytes(StandardCharsets.UTF_8);
                        byte[] second = ("stream " + id + " bye").repeat(30).getBytes(StandardCharsets.UTF_8);
                        OutputStream out = socket.getOutputStream();
                        DataInputStream in = new DataInputStream(socket.getInputStream());
                        out.write(first);
                        byte[] echo1 = new byte[first.length];
                        in.readFully(echo1);
                        allOpen.await(60, TimeUnit.SECONDS);
                        out.write(second);
                        socket.shutdownOutput();
                        byte[] rest = in.readAllBytes();
                        return new String(echo1, StandardCharsets.UTF_8) + new String(rest, StandardCharsets.UTF_8);
                    }
                }));
            }
            for (int i = 0; i < STREAMS; i++) {
                assertThat(results.get(i).get(90, TimeUnit.SECONDS))
                        .isEqualTo("stream " + i + " hello|" + ("stream " + i + " bye").repeat(30));
            }
            long connections = fixture.server.acceptedConnections();
            assertThat(connections).as("HBONE connections for %d concurrent streams at %d per connection", STREAMS,
                    PER_CONNECTION).isBetween((long) STREAMS / PER_CONNECTION, (long) STREAMS / PER_CONNECTION + 2);
            assertThat(fixture.registry.get("trellis.hbone.streams.opened").tag("side", "server").counter().count())
                    .isEqualTo(STREAMS);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
