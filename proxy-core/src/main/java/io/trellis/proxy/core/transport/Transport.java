package io.trellis.proxy.core.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * A Netty I/O transport: the event-loop flavour plus the matching channel classes.
 *
 * <p>Channels must be registered with an event loop of the same transport, so everything that
 * creates channels takes a {@code Transport} and the group it made ({@link #newEventLoopGroup}).
 */
public enum Transport {
    /** Linux io_uring (kernel 5.x+); fewest syscalls per byte. */
    IO_URING("io_uring") {
        @Override public boolean isAvailable() { return IoUring.isAvailable(); }
        @Override public @Nullable Throwable unavailabilityCause() { return IoUring.unavailabilityCause(); }
        @Override IoHandlerFactory ioHandlerFactory() { return IoUringIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverSocketChannel() { return IoUringServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return IoUringSocketChannel.class; }
        @Override public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return IoUringServerDomainSocketChannel.class;
        }
        @Override public Class<? extends DuplexChannel> domainSocketChannel() { return IoUringDomainSocketChannel.class; }
    },
    /** Linux epoll; supports {@code splice(2)} between sockets. */
    EPOLL("epoll") {
        @Override public boolean isAvailable() { return Epoll.isAvailable(); }
        @Override public @Nullable Throwable unavailabilityCause() { return Epoll.unavailabilityCause(); }
        @Override IoHandlerFactory ioHandlerFactory() { return EpollIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverSocketChannel() { return EpollServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return EpollSocketChannel.class; }
        @Override public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return EpollServerDomainSocketChannel.class;
        }
        @Override public Class<? extends DuplexChannel> domainSocketChannel() { return EpollDomainSocketChannel.class; }
    },
    /** Java NIO selectors: portable, always available. */
    NIO("nio") {
        @Override public boolean isAvailable() { return true; }
        @Override public @Nullable Throwable unavailabilityCause() { return null; }
        @Override IoHandlerFactory ioHandlerFactory() { return NioIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverSocketChannel() { return NioServerSocketChannel.class; }
        @Override public Class<? extends SocketChannel> socketChannel() { return NioSocketChannel.class; }
        @Override public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return NioServerDomainSocketChannel.class;
        }
        @Override public Class<? extends DuplexChannel> domainSocketChannel() { return NioDomainSocketChannel.class; }
    };

    private final String settingName;

    Transport(String settingName) {
        this.settingName = settingName;
    }

    /** The value of {@code TRELLIS_TRANSPORT} that selects this transport. */
    public String settingName() {
        return settingName;
    }

    /** Whether the native library loaded and the kernel supports this transport. */
    public abstract boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or null when it is available. */
    public abstract @Nullable Throwable unavailabilityCause();

    abstract IoHandlerFactory ioHandlerFactory();

    /** TCP listening socket class. */
    public abstract Class<? extends ServerChannel> serverSocketChannel();

    /** TCP connected socket class. */
    public abstract Class<? extends SocketChannel> socketChannel();

    /** Unix domain listening socket class. */
    public abstract Class<? extends ServerChannel> serverDomainSocketChannel();

    /** Unix domain connected socket class. */
    public abstract Class<? extends DuplexChannel> domainSocketChannel();

    /**
     * Creates an event-loop group of this transport.
     *
     * @param threads number of event loops; {@link Transports#defaultThreads()} sizes it to the cores
     * @param name thread name prefix, e.g. {@code "hbone"}
     */
    public MultiThreadIoEventLoopGroup newEventLoopGroup(int threads, String name) {
        if (!isAvailable()) {
            throw new IllegalStateException("transport " + settingName + " is not available: " + unavailabilityCause());
        }
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name + "-" + settingName, true),
                ioHandlerFactory());
    }
}
