package io.trellis.perf;

import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Runs one proxy pair (the HBONE pair or the plain relay pair) toward one target in this JVM, so
 * the benchmark can measure its RSS and CPU from /proc apart from the load generator. Usage:
 * {@code PairProxyMain hbone|relay HOST:PORT}. Prints {@code entry <port>} once listening, then
 * runs until stdin closes (the parent ended or closed it).
 */
public final class PairProxyMain {

    private PairProxyMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[0].equals("hbone") || args[0].equals("relay"))) {
            System.err.println("usage: PairProxyMain hbone|relay HOST:PORT");
            System.exit(2);
        }
        int colon = args[1].lastIndexOf(':');
        if (colon < 1) {
            System.err.println("error: target must be HOST:PORT, got '" + args[1] + "'");
            System.exit(2);
        }
        InetSocketAddress target = new InetSocketAddress(args[1].substring(0, colon),
                Integer.parseInt(args[1].substring(colon + 1)));
        Transport transport = Transports.choice().transport();
        // One event loop per proxy, as each node-proxy would run in its own process.
        EventLoopGroup proxyA = transport.newEventLoopGroup(1, "pair-proxy-a");
        EventLoopGroup proxyB = transport.newEventLoopGroup(1, "pair-proxy-b");
        @Nullable HbonePairPath hbone = args[0].equals("hbone") ? new HbonePairPath(transport, proxyA, proxyB) : null;
        BenchPath.Factory factory = hbone != null ? hbone : new TcpRelayPairPath(transport, proxyA, proxyB, false);
        try (BenchPath path = factory.open(target)) {
            System.out.println("entry " + path.entry().getPort());
            System.out.flush();
            awaitStdinClosed();
        } finally {
            if (hbone != null) {
                hbone.close();
            }
            proxyA.shutdownGracefully().syncUninterruptibly();
            proxyB.shutdownGracefully().syncUninterruptibly();
        }
    }

    private static void awaitStdinClosed() {
        try {
            while (System.in.read() != -1) {
                // Input is ignored; only its end matters.
            }
        } catch (IOException e) {
            // A broken stdin means the parent is gone: stop as well.
        }
    }
}
