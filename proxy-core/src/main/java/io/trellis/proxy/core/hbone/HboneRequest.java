package io.trellis.proxy.core.hbone;

import io.netty.channel.EventLoop;
import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A CONNECT the HBONE server accepted for decision: who asks (verified identity and address), for
 * which destination, with which pass-through headers.
 *
 * @param peer the client's verified SPIFFE id (its certificate chained to our trust bundle)
 * @param peerAddress the client's socket address (the remote HBONE proxy, not the original app)
 * @param localAddress the address the client connected to (selects the destination workload)
 * @param target the {@code :authority}: destination ip:port to connect upstream
 * @param forwarded the {@code forwarded} header, e.g. {@code for="10.0.1.5:43210"}
 * @param baggage the {@code baggage} header
 * @param traceparent the {@code traceparent} header
 * @param eventLoop the stream's event loop: connect the upstream on it so both halves share a loop
 */
public record HboneRequest(SpiffeId peer, InetSocketAddress peerAddress, InetSocketAddress localAddress,
        InetSocketAddress target, @Nullable String forwarded, @Nullable String baggage,
        @Nullable String traceparent, EventLoop eventLoop) {}
