package io.trellis.waypoint.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One end of an in-memory byte pipe whose two ends live on the same event loop.
 *
 * <p>Why it exists: proxy-core's HBONE server relays an accepted CONNECT stream to a channel its
 * {@code HboneHandler} returns. The waypoint does not connect anywhere; it hands back one end of
 * this pipe and runs its HTTP codecs on the other end, so the tunnel terminates in-process on the
 * stream's own event loop, buffers passed by reference, with no socket hop.
 *
 * <p>Semantics match a TCP socket as far as the relay is concerned: {@link #shutdownOutput()} is
 * a FIN (the peer reads its queued bytes, then {@link ChannelInputShutdownEvent}); {@code close()}
 * is an abort that reaches the peer after the bytes it already queued.
 *
 * <p>Backpressure: a writer moves at most {@link #INBOUND_LIMIT} bytes into its peer's inbound
 * queue; the rest stays in the writer's outbound buffer, whose water marks make the writer
 * unwritable until the peer reads.
 */
final class PipeChannel extends AbstractChannel implements DuplexChannel {

    /** Bytes queued for reading at one end; about one relay read, so a slow reader holds little. */
    static final int INBOUND_LIMIT = 64 * 1024;

    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    private static final Object EOF = new Object();
    private static final Object CLOSE = new Object();

    private final DefaultChannelConfig config = new DefaultChannelConfig(this);
    private final SocketAddress local;
    private final SocketAddress remote;
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    /** One task object for every delivery (a method reference per execute would be an object per batch). */
    private final Runnable deliverTask = this::deliver;
    private @Nullable PipeChannel peer;
    private int inboundBytes;
    private boolean open = true;
    private boolean readRequested;
    private boolean deliveryScheduled;
    private boolean inputShutdown;
    private boolean outputShutdown;

    private PipeChannel(SocketAddress local, SocketAddress remote) {
        super(null);
        this.local = local;
        this.remote = remote;
        config.setAutoRead(false);
    }

    /**
     * Creates a connected pair registered on {@code loop}; must be called on that loop. Handlers of
     * the second end should be added by {@code init} before registration so they see channelActive.
     */
    static PipeChannel[] pair(EventLoop loop, SocketAddress first, SocketAddress second,
            java.util.function.Consumer<PipeChannel> initSecond) {
        PipeChannel a = new PipeChannel(first, second);
        PipeChannel b = new PipeChannel(second, first);
        a.peer = b;
        b.peer = a;
        initSecond.accept(b);
        loop.register(a);
        loop.register(b);
        return new PipeChannel[] {a, b};
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new PipeUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true; // no I/O handle: any loop can run a pipe
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a pipe end cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        releaseInbound();
        PipeChannel p = peer;
        if (p != null && p.open) {
            p.enqueue(CLOSE, 0); // the peer reads what we already sent, then closes
        }
    }

    @Override
    protected void doBeginRead() {
        if (!open || inputShutdown) {
            return;
        }
        readRequested = true;
        scheduleDelivery();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("a pipe carries ByteBuf only, got " + msg.getClass().getSimpleName());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        PipeChannel p = peer;
        if (p == null || !p.open || outputShutdown) {
            throw new ClosedChannelException();
        }
        boolean moved = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null || p.inboundBytes >= INBOUND_LIMIT) {
                break;
            }
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            if (n > 0) {
                // Queue first, complete the write after: a listener on this write (close, FIN) must
                // land behind these bytes in the peer's queue.
                p.inbound.add(ReferenceCountUtil.retain(buf)); // remove() releases once: ownership moves
                p.inboundBytes += n;
                moved = true;
            }
            in.remove();
        }
        if (moved) {
            p.scheduleDelivery();
        }
    }

    private void enqueue(Object marker, int bytes) {
        inbound.add(marker);
        inboundBytes += bytes;
        scheduleDelivery();
    }

    private void scheduleDelivery() {
        if (deliveryScheduled || inbound.isEmpty()) {
            return;
        }
        if (!readRequested && inbound.peek() != CLOSE) {
            return;
        }
        deliveryScheduled = true;
        // Never deliver inside a write or read call: handlers expect no reentrancy, as with sockets.
        eventLoop().execute(deliverTask);
    }

    private void deliver() {
        deliveryScheduled = false;
        // One read() is one batch: everything queued now. A read() issued while the batch is being
        // handled asks for the next batch, so the flag is cleared before firing, not after.
        boolean batch = readRequested;
        if (batch && !config.isAutoRead()) {
            readRequested = false;
        }
        boolean any = false;
        while (open && !inbound.isEmpty() && (batch || inbound.peek() == CLOSE)) {
            Object item = inbound.poll();
            if (item == CLOSE) {
                if (any) {
                    pipeline().fireChannelReadComplete();
                }
                close();
                return;
            }
            if (item == EOF) {
                if (any) {
                    pipeline().fireChannelReadComplete();
                    any = false;
                }
                inputShutdown = true;
                readRequested = false;
                pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                continue;
            }
            ByteBuf buf = (ByteBuf) item;
            inboundBytes -= buf.readableBytes();
            any = true;
            pipeline().fireChannelRead(buf);
        }
        if (batch && !any && !inputShutdown && open) {
            readRequested = true; // nothing was there: the read stays pending until data arrives
        }
        if (any) {
            pipeline().fireChannelReadComplete();
        }
        PipeChannel p = peer;
        if (p != null && p.open && inboundBytes < INBOUND_LIMIT) {
            ((PipeUnsafe) p.unsafe()).resumeWrite(); // room again: move the writer's backlog over
        }
        if (readRequested) {
            scheduleDelivery();
        }
    }

    private void releaseInbound() {
        while (!inbound.isEmpty()) {
            Object item = inbound.poll();
            if (item instanceof ByteBuf buf) {
                buf.release();
            }
        }
        inboundBytes = 0;
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        onLoop(() -> {
            inputShutdown = true;
            readRequested = false;
            releaseInbound();
            promise.setSuccess();
        });
        return promise;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    /** A FIN: the peer sees {@link ChannelInputShutdownEvent} after everything written before. */
    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        onLoop(() -> {
            if (!outputShutdown) {
                outputShutdown = true;
                PipeChannel p = peer;
                if (p != null && p.open) {
                    p.enqueue(EOF, 0);
                }
            }
            promise.setSuccess();
        });
        return promise;
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdownInput();
        return shutdownOutput(promise);
    }

    private void onLoop(Runnable task) {
        if (eventLoop().inEventLoop()) {
            task.run();
        } else {
            eventLoop().execute(task);
        }
    }

    private final class PipeUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, @Nullable SocketAddress localAddress, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a pipe end is connected at creation"));
        }

        void resumeWrite() {
            if (outboundBuffer() != null && !outboundBuffer().isEmpty()) {
                flush0();
            }
        }
    }
}
