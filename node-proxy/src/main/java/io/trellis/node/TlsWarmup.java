package io.trellis.node;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.tls.TlsContexts;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mutual-TLS handshake in memory, between a client and a server context of the first workload certificate, before
 * the first pod's listeners open.
 *
 * <p>Why: a fresh node-proxy loads the native TLS provider, builds its first contexts and runs the handshake code
 * cold on its first HBONE connection, which took several seconds on a busy node. During an upgrade or a restart the
 * first connections to arrive would wait that long (clients time out); doing it here moves the wait before the pod's
 * listeners take traffic. Best effort: a failure is logged and the pod is served anyway.
 */
final class TlsWarmup {

    private static final Logger LOG = LoggerFactory.getLogger(TlsWarmup.class);
    private static final int MAX_ROUNDS = 64;
    private static final int BUFFER_BYTES = 64 * 1024; // more than a TLS record, enough for a whole flight

    private final Clock clock;
    private final AtomicBoolean done = new AtomicBoolean();

    TlsWarmup(Clock clock) {
        this.clock = clock;
    }

    /** Handshakes once per process (later calls return at once); never throws. */
    void warm(WorkloadCertificate certificate) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        SSLEngine client = null;
        SSLEngine server = null;
        try {
            SslContext clientContext = TlsContexts.client(certificate, clock);
            SslContext serverContext = TlsContexts.server(certificate, clock);
            client = clientContext.newEngine(ByteBufAllocator.DEFAULT);
            server = serverContext.newEngine(ByteBufAllocator.DEFAULT);
            int rounds = handshake(client, server);
            LOG.info("event=tls_warmed_up identity={} provider={} rounds={} took_ms={}", certificate.id(),
                    TlsContexts.provider(), rounds, (System.nanoTime() - start) / 1_000_000);
        } catch (SSLException | RuntimeException e) {
            LOG.warn("event=tls_warmup_failed identity={} problem=\"{}\" (the first HBONE connection pays instead)",
                    certificate.id(), e.toString());
        } finally {
            // OpenSSL engines are reference counted; JDK ones are not (release is then a no-op).
            ReferenceCountUtil.release(client);
            ReferenceCountUtil.release(server);
        }
    }

    private static int handshake(SSLEngine client, SSLEngine server) throws SSLException {
        client.setUseClientMode(true);
        server.setUseClientMode(false);
        client.beginHandshake();
        server.beginHandshake();
        ByteBuffer toServer = ByteBuffer.allocate(BUFFER_BYTES);
        ByteBuffer toClient = ByteBuffer.allocate(BUFFER_BYTES);
        ByteBuffer sink = ByteBuffer.allocate(BUFFER_BYTES);
        ByteBuffer empty = ByteBuffer.allocate(0);
        for (int round = 1; round <= MAX_ROUNDS; round++) {
            client.wrap(empty, toServer);
            toServer.flip();
            server.unwrap(toServer, sink.clear());
            toServer.compact();
            runTasks(server);
            server.wrap(empty, toClient);
            toClient.flip();
            client.unwrap(toClient, sink.clear());
            toClient.compact();
            runTasks(client);
            if (finished(client) && finished(server)) {
                return round;
            }
        }
        throw new SSLException("the in-memory handshake did not finish in " + MAX_ROUNDS + " rounds");
    }

    private static boolean finished(SSLEngine engine) {
        HandshakeStatus s = engine.getHandshakeStatus();
        return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
