package io.trellis.proxy.core.hbone;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.EventExecutor;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Opens HBONE tunnels over pooled, multiplexed HTTP/2 connections.
 *
 * <p>Connections are keyed by (source identity, destination identity, destination address) and by the
 * event loop of the caller when it is one of the pool's: a tunnel opened from a downstream connection's
 * loop rides a connection on that same loop, so relaying between the two never crosses threads (a
 * cross-thread flush costs a task hand-off and an eventfd wakeup per read; the lab profile showed them
 * on every request). Callers on other threads share one set per key, on a loop picked once. Each set's
 * connections live on its event loop, which alone mutates them (requests from other threads are
 * handed to it), so there are no locks. Requests arriving while the key's connection is still
 * connecting wait for it rather than opening more; when every connection is at its stream limit
 * another is opened. Before any stream is opened the server's URI SAN must equal the destination
 * identity. Connections idle for {@link HbonePoolConfig#idleTimeout()} are closed.
 */
public final class HboneClientPool implements AutoCloseable {

    final HbonePoolConfig config;
    final ClientCertificates certificates;
    final Transport transport;
    final HboneMetrics metrics;
    final LongSupplier nanoClock;
    final @Nullable HboneDialer dialer;
    private final EventLoopGroup group;
    private final ConcurrentHashMap<SetKey, ConnectionSet> sets = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private HboneClientPool(HbonePoolConfig config, ClientCertificates certificates, EventLoopGroup group,
            Transport transport, MeterRegistry registry, LongSupplier nanoClock, @Nullable HboneDialer dialer) {
        this.config = config;
        this.dialer = dialer;
        this.certificates = certificates;
        this.group = group;
        this.transport = transport;
        this.metrics = new HboneMetrics(registry, "client");
        this.nanoClock = nanoClock;
    }

    /** A pool on {@code group} (event loops of {@code transport}) using the system clock for idleness. */
    public static HboneClientPool create(HbonePoolConfig config, ClientCertificates certificates, EventLoopGroup group,
            Transport transport, MeterRegistry registry) {
        return create(config, certificates, group, transport, registry, System::nanoTime);
    }

    /** As above with an injected monotonic clock (nanoseconds) deciding idleness, for tests. */
    public static HboneClientPool create(HbonePoolConfig config, ClientCertificates certificates, EventLoopGroup group,
            Transport transport, MeterRegistry registry, LongSupplier nanoClock) {
        return new HboneClientPool(config, certificates, group, transport, registry, nanoClock, null);
    }

    /**
     * A pool whose TCP connections are opened by {@code dialer} (e.g. from inside a pod's network
     * namespace); {@code transport} must match the channels the dialer creates.
     */
    public static HboneClientPool create(HbonePoolConfig config, ClientCertificates certificates, EventLoopGroup group,
            Transport transport, MeterRegistry registry, HboneDialer dialer) {
        return new HboneClientPool(config, certificates, group, transport, registry, System::nanoTime, dialer);
    }

    /**
     * Opens a tunnel. The future completes once the server answered 200, with the stream channel:
     * auto-read off, bytes in and out as {@code ByteBuf}s, ready for {@code Relay.start(downstream,
     * stream)}. It fails with a {@link TunnelException}: {@code ConnectFailed}, {@code HandshakeFailed},
     * {@code PeerIdentityMismatch}, {@code Rejected} (non-200, with status and reason), or
     * {@code StreamReset}.
     */
    public CompletableFuture<Http2StreamChannel> open(TunnelRequest request) {
        CompletableFuture<Http2StreamChannel> result = new CompletableFuture<>();
        open(request, result);
        return result;
    }

    void open(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        if (closed) {
            result.completeExceptionally(new TunnelException.Closed("HBONE client pool is shut down"));
            return;
        }
        EventLoop caller = callerLoop();
        ConnectionSet set = sets.computeIfAbsent(new SetKey(request.key(), caller),
                k -> new ConnectionSet(this, k.key(), caller != null ? caller : (EventLoop) group.next()));
        set.submit(request, result);
    }

    /** The pool's event loop the calling thread runs, or null when it runs none of them. */
    private @Nullable EventLoop callerLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop() && e instanceof EventLoop loop) {
                return loop;
            }
        }
        return null;
    }

    /** Called on the set's loop when its last connection is gone. */
    void retire(ConnectionSet set) {
        sets.values().remove(set);
    }

    /** A set's place in the pool: its pool key and the caller's loop (null: callers off the pool's loops). */
    private record SetKey(PoolKey key, @Nullable EventLoop caller) {}

    /**
     * Closes connections that have had no streams for at least the idle timeout by the pool's clock;
     * completes with how many were closed. Also runs on its own for each connection that goes idle.
     */
    public CompletableFuture<Integer> evictIdle() {
        List<CompletableFuture<Integer>> parts = new ArrayList<>();
        for (ConnectionSet set : sets.values()) {
            CompletableFuture<Integer> part = new CompletableFuture<>();
            set.loop.execute(() -> part.complete(set.evictIdle()));
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> parts.stream().mapToInt(CompletableFuture::join).sum());
    }

    /** Open or connecting HBONE connections across all keys (a snapshot, for metrics and tests). */
    public int connectionCount() {
        int n = 0;
        for (ConnectionSet set : sets.values()) {
            n += set.size();
        }
        return n;
    }

    /**
     * Closes every connection; pending and future opens fail with {@link TunnelException.Closed}.
     * Blocks until the connections are closed: not from an event loop.
     */
    @Override
    public void close() {
        closed = true;
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ConnectionSet set : sets.values()) {
            done.add(set.closeAll());
        }
        CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).join();
    }
}
