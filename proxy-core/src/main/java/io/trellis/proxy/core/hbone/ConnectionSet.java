package io.trellis.proxy.core.hbone;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The connections of one pool key. Owned by one event loop: every method except {@link #submit},
 * {@link #size} and {@link #closeAll} runs on it.
 */
final class ConnectionSet {

    final HboneClientPool pool;
    final PoolKey key;
    final EventLoop loop;
    private final List<ClientConnection> connections = new ArrayList<>(2);
    private volatile int size;
    private boolean retired;

    ConnectionSet(HboneClientPool pool, PoolKey key, EventLoop loop) {
        this.pool = pool;
        this.key = key;
        this.loop = loop;
    }

    /** Thread-safe entry: hands the request to the owning loop. */
    void submit(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        if (loop.inEventLoop()) {
            place(request, result);
        } else {
            loop.execute(() -> place(request, result));
        }
    }

    /** Finds a connection with a free stream slot, or opens a new one. */
    void place(TunnelRequest request, CompletableFuture<Http2StreamChannel> result) {
        if (retired) {
            pool.open(request, result); // this set was emptied and unmapped meanwhile: start over
            return;
        }
        for (ClientConnection connection : connections) {
            if (connection.tryReserve()) {
                connection.openStream(request, result);
                return;
            }
        }
        ClientConnection connection = new ClientConnection(this);
        connections.add(connection);
        size = connections.size();
        connection.tryReserve();
        connection.openStream(request, result);
        connection.connect();
    }

    void removed(ClientConnection connection) {
        connections.remove(connection);
        size = connections.size();
        if (connections.isEmpty()) {
            retired = true;
            pool.retire(this);
        }
    }

    int evictIdle() {
        int evicted = 0;
        for (ClientConnection connection : List.copyOf(connections)) {
            if (connection.closeIfIdle()) {
                evicted++;
            }
        }
        return evicted;
    }

    int size() {
        return size;
    }

    CompletableFuture<Void> closeAll() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            for (ClientConnection connection : List.copyOf(connections)) {
                closing.add(connection.close());
            }
            CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> done.complete(null));
        });
        return done;
    }
}
