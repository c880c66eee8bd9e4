package io.trellis.node.proxy;

import java.time.Duration;

/**
 * Per-pod bounds on the inbound listeners, so a flood or a slowloris against one pod costs bounded
 * memory and leaves other pods and clients alone. Each pod has its own budget per listener: a
 * plaintext flood on 15006 does not lock mesh peers out of 15008.
 *
 * @param maxPlaintextConnections concurrent connections on one pod's 15006; beyond it new ones are reset
 * @param maxHboneConnections concurrent connections on one pod's 15008 (peers pool and multiplex, so
 *     a legitimate peer needs few)
 * @param maxPlaintextPerClient concurrent connections one client IP may hold on one pod's 15006, so a
 *     single flooding client cannot take the whole pod budget from the others
 * @param maxHbonePerClient the same on 15008 (a peer's pool holds about one connection per event loop)
 * @param hboneConnectDeadline from accept until the first CONNECT arrives (TLS handshake included);
 *     a connection that has not asked for a tunnel by then is closed. A pooled connection that later
 *     idles between tunnels is not affected.
 * @param plaintextIdleDeadline a 15006 connection on which nothing has been sent in either direction
 *     by then is closed (a client that opens and stays silent); once the client or a server-first app
 *     sends a byte, the connection is the app's business
 */
public record InboundLimits(int maxPlaintextConnections, int maxHboneConnections, int maxPlaintextPerClient,
        int maxHbonePerClient, Duration hboneConnectDeadline, Duration plaintextIdleDeadline) {

    public InboundLimits {
        if (maxPlaintextConnections < 1 || maxHboneConnections < 1 || maxPlaintextPerClient < 1
                || maxHbonePerClient < 1) {
            throw new IllegalArgumentException("inbound connection limits must be positive, got plaintext="
                    + maxPlaintextConnections + " hbone=" + maxHboneConnections + " per client " + maxPlaintextPerClient
                    + "/" + maxHbonePerClient);
        }
        if (!hboneConnectDeadline.isPositive() || !plaintextIdleDeadline.isPositive()) {
            throw new IllegalArgumentException("inbound deadlines must be positive, got hbone="
                    + hboneConnectDeadline + " plaintext=" + plaintextIdleDeadline);
        }
    }

    /** Per-pod budgets with each client IP allowed a quarter of them (at least one connection). */
    public InboundLimits(int maxPlaintextConnections, int maxHboneConnections, Duration hboneConnectDeadline,
            Duration plaintextIdleDeadline) {
        this(maxPlaintextConnections, maxHboneConnections, Math.max(1, maxPlaintextConnections / 4),
                Math.max(1, maxHboneConnections / 4), hboneConnectDeadline, plaintextIdleDeadline);
    }

    /**
     * 4,096 plaintext and 1,024 HBONE connections per pod, a quarter of that per client IP; 10 s to the
     * first CONNECT; 30 s to the first byte.
     */
    public static InboundLimits defaults() {
        return new InboundLimits(4096, 1024, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }
}
