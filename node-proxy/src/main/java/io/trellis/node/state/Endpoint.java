package io.trellis.node.state;

import java.net.InetSocketAddress;

/**
 * One workload behind a service port.
 *
 * @param address the workload's IP and target port: where the application listens
 */
public record Endpoint(WorkloadInfo workload, InetSocketAddress address) {

    /** Whether to reach it by HBONE (in the mesh) or plain TCP. */
    public boolean hbone() {
        return workload.hbone();
    }
}
