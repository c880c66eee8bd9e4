package io.trellis.e2e.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.trellis.perf.echo.EchoServer;
import java.net.InetSocketAddress;

/**
 * The single-stream throughput sink inside a lab pod: perf's {@link EchoServer} in sink mode on every address of the
 * pod, answering one byte once a connection has delivered {@code <bytes>}, so the sender's clock stops when the last
 * byte arrived, not when it left. Arguments: {@code <port> <bytes>}.
 */
public final class LabSinkMain {

    private LabSinkMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        long bytes = Long.parseLong(args[1]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EchoServer sink = EchoServer.start(group, NioServerSocketChannel.class, EchoServer.Mode.SINK, bytes,
                new InetSocketAddress("0.0.0.0", port));
        System.out.println("event=sink_listening port=" + sink.address().getPort() + " bytes=" + bytes);
        Thread.currentThread().join();
    }
}
