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
 * @param hboneConnectDeadline from accept until the first CONNECT arrives (TLS handshake included);
 *     a connection that has not asked for a tunnel by then is closed. A pooled connection that later
 *     idles between tunnels is not affected.
 * @param plaintextIdleDeadline a 15006 connection on which nothing has been sent in either direction
 *     by then is closed (a client that opens and stays silent); once the client or a server-first app
 *     sends a byte, the connection is the app's business
 */
public record InboundLimits(int maxPlaintextConnections, int maxHboneConnections, Duration hboneConnectDeadline,
        Duration plaintextIdleDeadline) {

    public InboundLimits {
        if (maxPlaintextConnections < 1 || maxHboneConnections < 1) {
            throw new IllegalArgumentException("inbound connection limits must be positive, got plaintext="
                    + maxPlaintextConnections + " hbone=" + maxHboneConnections);
        }
        if (!hboneConnectDeadline.isPositive() || !plaintextIdleDeadline.isPositive()) {
            throw new IllegalArgumentException("inbound deadlines must be positive, got hbone="
                    + hboneConnectDeadline + " plaintext=" + plaintextIdleDeadline);
        }
    }

    /** 4,096 plaintext and 1,024 HBONE connections per pod; 10 s to the first CONNECT; 30 s to the first byte. */
    public static InboundLimits defaults() {
        return new InboundLimits(4096, 1024, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }
}
